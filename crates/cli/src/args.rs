//! The command line: every command, option and its help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Accord: negotiate the exact wording of a text among several parties,
/// and prove what was agreed.
#[derive(Parser, Debug)]
#[command(name = "accord", version, about, long_about = None)]
pub struct Cli {
    /// The local store directory.
    #[arg(long, global = true, env = "ACCORD_STORE", default_value = "./accord-data")]
    pub store: PathBuf,
    /// Which negotiation in the store (id or unique prefix); optional when the store holds one.
    #[arg(long, global = true, env = "ACCORD_NEGOTIATION")]
    pub negotiation: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a negotiation in the store: from a fixture, from a draft, or empty; prints its id.
    Init {
        /// Load a shipped fixture (hlcp-cybersecurity).
        #[arg(long, conflicts_with_all = ["title", "chair", "draft"])]
        fixture: Option<String>,
        /// A draft to start from: a .docx (each Heading 1 a section, the paragraphs
        /// below its base text) or a .md (each `#` heading a section).
        #[arg(long, requires = "title")]
        draft: Option<PathBuf>,
        /// Title of a new, empty negotiation.
        #[arg(long, requires = "chair")]
        title: Option<String>,
        /// Code of the chair of a new negotiation, e.g. HLCP.
        #[arg(long, requires = "title")]
        chair: Option<String>,
        /// Full name of the chair.
        #[arg(long, default_value = "Chair")]
        chair_name: String,
    },
    /// Serve the store's negotiations: JSON API, live updates and automerge-repo sync at /sync.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Load the HLCP fixture (unless the store has it) and print a sign-in token for each of its participants.
        #[arg(long)]
        demo: bool,
    },
    /// Sync this store with a server both ways (automerge-repo protocol); edits made offline merge.
    Sync {
        /// The server's address, like http://127.0.0.1:8080.
        #[arg(long, env = "ACCORD_SERVER")]
        server: String,
        /// Your sign-in token (from `accord invite` on the server).
        #[arg(long, env = "ACCORD_TOKEN")]
        token: String,
    },
    /// Issue a sign-in token for a participant (adding it first if --role is given); prints the token.
    Invite {
        /// The participant the token signs in.
        #[arg(long = "as", required_unless_present = "secretariat")]
        actor: Option<String>,
        /// A token for the secretariat instead (named by --name): it opens
        /// negotiations from a draft in the browser, and takes part in none.
        #[arg(long, conflicts_with_all = ["actor", "role"])]
        secretariat: bool,
        /// Full name, when adding a new participant (or of the secretariat).
        #[arg(long)]
        name: Option<String>,
        /// Role, when adding a new participant (chair, convenor, member, observer).
        #[arg(long)]
        role: Option<String>,
        /// How long the token signs in, e.g. 30d, 12h ("forever": until revoked).
        #[arg(long, default_value = "30d")]
        valid_for: String,
    },
    /// Revoke every sign-in token of a participant (its browser sessions end at once).
    Revoke {
        /// The participant.
        #[arg(long = "as", required_unless_present = "secretariat")]
        actor: Option<String>,
        /// The secretariat's tokens instead: those issued to --name, or all of them.
        #[arg(long, conflicts_with = "actor")]
        secretariat: bool,
        /// With --secretariat: whose tokens (the name they were issued to).
        #[arg(long, requires = "secretariat")]
        name: Option<String>,
    },
    /// Show sections, proposals, the stance matrix and outstanding disagreements.
    Status {
        /// Print the full view as JSON.
        #[arg(long)]
        json: bool,
        /// Show the negotiation as it was at this time (RFC 3339, e.g. 2026-11-03T12:00:00Z).
        #[arg(long)]
        at: Option<String>,
    },
    /// Add a participant (chair or convenor).
    AddParticipant {
        /// Who acts (a chair or convenor code).
        #[arg(long = "as")]
        actor: String,
        /// The new participant's code, e.g. WHO.
        code: String,
        /// Its full name.
        #[arg(long)]
        name: String,
        /// Its role.
        #[arg(long, default_value = "member")]
        role: String,
    },
    /// Add a section with its base text (chair or convenor).
    AddSection {
        /// Who acts (a chair or convenor code).
        #[arg(long = "as")]
        actor: String,
        /// The section number.
        #[arg(long)]
        number: u32,
        /// Its title.
        #[arg(long)]
        title: String,
        /// Its lead participant.
        #[arg(long)]
        lead: String,
        /// File with the base text ("-" for standard input).
        #[arg(long)]
        text_file: PathBuf,
    },
    /// Put forward a proposal for a section; prints its id.
    Propose {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// Who proposes.
        #[arg(long = "as")]
        actor: String,
        /// Its label, e.g. "Alt 4".
        #[arg(long)]
        label: String,
        /// File with the proposed text ("-" for standard input).
        #[arg(long)]
        text_file: PathBuf,
        /// Why.
        #[arg(long, default_value = "")]
        rationale: String,
        /// Name a co-sponsor (repeatable); it joins with `accord cosponsor`.
        #[arg(long)]
        cosponsor: Vec<String>,
    },
    /// Replace a proposal's text (sponsors only); stored as minimal edits.
    Edit {
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Who edits.
        #[arg(long = "as")]
        actor: String,
        /// File with the new text ("-" for standard input).
        #[arg(long)]
        text_file: PathBuf,
    },
    /// Record your stance on a proposal's current text.
    Stance {
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Whose stance.
        #[arg(long = "as")]
        actor: String,
        /// The stance.
        stance: StanceArg,
        /// Why (required for object).
        #[arg(long, default_value = "")]
        reason: String,
        /// With reserve: accept ad referendum, headquarters confirming by this time (RFC 3339).
        /// It does not block adoption; an objection before then voids it.
        #[arg(long, value_name = "TIME")]
        ad_ref_until: Option<String>,
    },
    /// Join a proposal as co-sponsor, once its proposer has named you with --cosponsor.
    Cosponsor {
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Who joins.
        #[arg(long = "as")]
        actor: String,
    },
    /// Comment on a passage of a proposal (characters FROM..TO of its current text); prints the comment's id.
    Comment {
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Who comments.
        #[arg(long = "as")]
        actor: String,
        /// First character of the passage (0-based).
        #[arg(long)]
        from: usize,
        /// Character after the passage.
        #[arg(long)]
        to: usize,
        /// What to say.
        text: String,
    },
    /// Withdraw a proposal (sponsors only).
    Withdraw {
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Who withdraws it.
        #[arg(long = "as")]
        actor: String,
    },
    /// Show the word-level differences between texts of a section.
    Redline {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// The old text: `base` or a proposal id.
        #[arg(long, default_value = "base")]
        from: String,
        /// The new text: a proposal id (default: every live proposal in turn).
        #[arg(long)]
        to: Option<String>,
        /// Instead of --from: what changed in the --to proposal since REV (an
        /// export file, a version, or a time like 2026-11-03T12:00:00Z), each
        /// change with who made it and when.
        #[arg(long, value_name = "REV", conflicts_with = "from", requires = "to")]
        since: Option<String>,
        /// Print the runs as JSON (with who made each change).
        #[arg(long)]
        json: bool,
        /// When to colour the output.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Show the compromise draft of a section: all proposals merged, collisions bracketed.
    Compromise {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show how a section converged over time: text gap, acceptance, objections.
    Convergence {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Adopt a proposal as the section's agreed text (chair or convenor).
    Adopt {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// Who adopts.
        #[arg(long = "as")]
        actor: String,
    },
    /// Open an agreed section again, for a reason (chair or convenor); stances stay.
    Reopen {
        /// The section number.
        #[arg(long)]
        section: u32,
        /// Why it is opened again.
        #[arg(long)]
        reason: String,
        /// Who reopens it.
        #[arg(long = "as")]
        actor: String,
    },
    /// Put sections in one package: nothing in it is agreed until everything is (chair or convenor).
    Package {
        /// The sections, like 1,4.
        #[arg(long, value_delimiter = ',', required = true)]
        sections: Vec<u32>,
        /// Who makes the package.
        #[arg(long = "as")]
        actor: String,
    },
    /// Put a proposal under silence (chair or convenor): adopted at TIME unless a member
    /// objects before then; an edit of its text voids the procedure.
    Silence {
        /// The section.
        #[arg(long)]
        section: u32,
        /// The proposal (id or unique prefix).
        #[arg(long)]
        proposal: String,
        /// When silence ends (RFC 3339, e.g. 2026-12-12T17:00:00Z).
        #[arg(long, value_name = "TIME")]
        until: String,
        /// Who puts it under silence.
        #[arg(long = "as")]
        actor: String,
    },
    /// Set the end of the consultation window (chair or convenor).
    Deadline {
        /// When it ends (RFC 3339, e.g. 2026-12-12T17:00:00Z).
        deadline: String,
        /// Who sets it.
        #[arg(long = "as")]
        actor: String,
    },
    /// Show every change, who made it and when.
    History {
        /// Only changes concerning this section.
        #[arg(long)]
        section: Option<u32>,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export the agreed draft.
    Export {
        /// The format: md, html, akn (Akoma Ntoso 3.0) or docx (Word, with tracked changes).
        #[arg(long, default_value = "md")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Refuse unless every section is agreed (the draft goes for approval).
        #[arg(long)]
        for_approval: bool,
        /// DOCX only: track the changes since an earlier version, given as a file exported
        /// then (say, the text circulated before the meeting), a version, or a time.
        #[arg(long, value_name = "REV")]
        against: Option<String>,
    },
    /// Check that an exported file (md, html, akn, docx) matches the version it names.
    Verify {
        /// The exported file.
        file: PathBuf,
    },
}

/// A stance as typed on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StanceArg {
    /// Support the wording.
    Support,
    /// Not preferred, but acceptable.
    CanLiveWith,
    /// Pending confirmation from capital or headquarters.
    Reserve,
    /// Object (give a --reason).
    Object,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
