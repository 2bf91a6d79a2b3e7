//! Inside each crate, modules import one way (ARCHITECTURE.md, invariant 14): no module
//! reaches, through `crate::module` paths, a module that reaches it back. Read from the
//! sources, outside their `#[cfg(test)]` parts and comments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn no_module_of_a_crate_imports_one_that_imports_it() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cycles = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("crates/") {
        let src = entry.expect("a crate").path().join("src");
        if src.is_dir() {
            let graph = imports(&src);
            assert!(graph.len() > 1, "{} has no modules read", src.display());
            cycles.extend(cycles_of(&graph).into_iter().map(|cycle| format!("{}: {cycle:?}", src.display())));
        }
    }
    assert!(cycles.is_empty(), "modules that import each other: {cycles:#?}");
}

#[test]
fn a_module_importing_one_that_imports_it_is_found() {
    let graph: Graph = [("room", vec!["state"]), ("state", vec!["hub"]), ("hub", vec!["room"]), ("web", vec!["state"])]
        .into_iter()
        .map(|(module, deps)| (module.to_string(), deps.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(cycles_of(&graph), vec![vec!["hub".to_string(), "room".into(), "state".into()]]);
}

#[test]
fn crate_paths_name_the_modules_a_file_reaches() {
    let code = "use crate::error::ApiError;\nuse crate::{\n    hub::Hub,\n    room::{Changed, Room},\n    now,\n};\n\
                let url = (\"http://example.org\", crate::after_url::X); // crate::comment\n\
                // crate::also_a_comment\nfn f() -> crate::served_view::ServedView { todo!() }\n\
                #[cfg(test)]\nmod tests {\n    use crate::test_only;\n}\n";
    let names: Vec<String> = crate_paths(code).into_iter().collect();
    assert_eq!(names, ["after_url", "error", "hub", "now", "room", "served_view"]);
}

/// Each top-level module of a crate's `src` and the modules it names as `crate::module`.
fn imports(src: &Path) -> Graph {
    let modules: BTreeSet<String> =
        std::fs::read_dir(src).expect("src/").map(|entry| module_name(&entry.expect("a file").path())).collect();
    let mut graph = Graph::new();
    for file in rust_files(src) {
        let module = module_name(
            src.join(file.strip_prefix(src).expect("inside src").components().next().expect("a name")).as_path(),
        );
        if module == "lib" || module == "main" {
            continue;
        }
        let code = std::fs::read_to_string(&file).expect("a source file");
        let named: Vec<String> =
            crate_paths(&code).into_iter().filter(|name| modules.contains(name) && *name != module).collect();
        graph.entry(module).or_default().extend(named);
    }
    graph
}

fn module_name(path: &Path) -> String {
    path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default().to_string()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The first name after each `crate::` in code (`use crate::{a, b::{C, D}, e}` names a, b
/// and e), leaving out line comments and the `#[cfg(test)] mod` that ends a file. Names
/// reached through the crate root's re-exports (`crate::Negotiation`) name no module: they
/// are the crate's shared vocabulary (ARCHITECTURE.md, invariant 14).
fn crate_paths(code: &str) -> BTreeSet<String> {
    let code = code.split("#[cfg(test)]\nmod ").next().unwrap_or_default();
    let code: Vec<&str> = code.lines().map(without_comment).collect();
    let code = code.join("\n");
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => names.extend(top_level_items(group).into_iter().filter_map(first_name)),
            None => names.extend(first_name(rest)),
        }
    }
    names
}

/// A line without its `//` comment (one that starts the line or follows a space: `//` in
/// `"http://…"` is kept).
fn without_comment(line: &str) -> &str {
    let starts = line.match_indices("//").map(|(at, _)| at);
    match starts.into_iter().find(|&at| at == 0 || line[..at].ends_with(char::is_whitespace)) {
        Some(at) => &line[..at],
        None => line,
    }
}

/// The items of a `{…}` group up to its closing brace, split at its own commas.
fn top_level_items(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(group[start..at].trim());
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(group[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    items
}

/// The name a path starts with (`room::Changed`: room).
fn first_name(path: &str) -> Option<String> {
    let name: String = path.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

/// The groups of modules that reach each other (strongly connected, more than one), sorted.
fn cycles_of(graph: &Graph) -> Vec<Vec<String>> {
    let reaches = |from: &String| {
        let (mut seen, mut next) = (BTreeSet::new(), vec![from.clone()]);
        while let Some(module) = next.pop() {
            for dep in graph.get(&module).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    next.push(dep.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|module| (module, reaches(module))).collect();
    let mut cycles: BTreeSet<Vec<String>> = BTreeSet::new();
    for (module, reached) in &reach {
        let cycle: Vec<String> = reached
            .iter()
            .filter(|other| reach.get(other).is_some_and(|back| back.contains(*module)))
            .cloned()
            .collect();
        if !cycle.is_empty() {
            let mut cycle = cycle;
            if !cycle.contains(module) {
                cycle.push((*module).clone());
            }
            cycle.sort();
            cycles.insert(cycle);
        }
    }
    cycles.into_iter().collect()
}
