#!/usr/bin/python3
"""Independent DOCX checker built on LibreOffice (UNO), for Accord's tests.

Run it with the *system* Python, which is the one that has the `uno` module
(Debian package python3-uno):

    /usr/bin/python3 tests/lo/docx_review.py [options] JOB [JOB ...]

A JOB is one of

    changes FILE         JSON list of tracked changes, in document order
    accept  FILE         accept all changes, then JSON list of paragraph texts
    reject  FILE         reject all changes, then JSON list of paragraph texts
    text    FILE         JSON list of paragraph texts, changes left as they are
                         (so text under a tracked deletion is still included)
    resave  FILE OUT     save FILE again with LibreOffice as "MS Word 2007 XML"
                         to OUT; prints {"saved": OUT}

One soffice process serves every job of an invocation; each job loads its
file afresh (from a private copy, so no lock files appear next to the input
and the input is never modified).

Output (stdout, UTF-8 JSON):
  * exactly one job  -> the job's result itself (a list, or the resave object);
  * several jobs     -> a list of {"mode": ..., "file": ..., "result": ...}.

Paragraph texts: one string per paragraph of the body, in order; a manual
line break inside a paragraph is "\\n", a tab is "\\t". Paragraphs inside
tables are included in place, cell by cell (row by row).

Each change is {"type", "author", "date", "text", "comment", "lo_type"}:
  type     insert | delete | format | paragraph-format | table | ... (lower-
           cased LibreOffice RedlineType; lo_type keeps the original)
  date     ISO 8601, "YYYY-MM-DDTHH:MM:SS" (+ ".fffffffff" if non-zero
           nanoseconds, + "Z" when LibreOffice marks the time as UTC)
  text     the text the change covers (paragraph breaks inside it as "\\n")

Exit status: 0 success; 1 a job failed (message on stderr, nothing on
stdout); 2 bad command line; 3 LibreOffice could not be started or
connected; 124 timeout (soffice killed).

Options: --timeout SECONDS (default 60; applies to start-up and to each job
separately), --soffice PATH (default: $ACCORD_SOFFICE or "soffice"),
--profile DIR (reuse a user profile directory; faster second start),
--timings (per-stage timings on stderr).
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid


def _ensure_uno():
    """Import uno; if this interpreter lacks it, re-run under /usr/bin/python3."""
    try:
        import uno  # noqa: F401
        return
    except ImportError:
        pass
    system_py = "/usr/bin/python3"
    if (os.path.realpath(sys.executable) != os.path.realpath(system_py)
            and os.path.exists(system_py)
            and not os.environ.get("ACCORD_LO_REEXEC")):
        os.environ["ACCORD_LO_REEXEC"] = "1"
        os.execv(system_py, [system_py] + sys.argv)
    sys.stderr.write(
        "docx_review: the Python module 'uno' is not available to %s.\n"
        "Install the Debian packages libreoffice-writer-nogui and python3-uno "
        "and run this script with /usr/bin/python3.\n" % sys.executable)
    sys.exit(3)


_ensure_uno()

import uno  # noqa: E402
from com.sun.star.beans import PropertyValue  # noqa: E402
from com.sun.star.connection import NoConnectException  # noqa: E402


EXIT_FAIL, EXIT_USAGE, EXIT_START, EXIT_TIMEOUT = 1, 2, 3, 124
DOCX_FILTERS = ("MS Word 2007 XML", "Office Open XML Text")
MODES = {"changes": 1, "accept": 1, "reject": 1, "text": 1, "resave": 2}


class JobError(Exception):
    pass


def log(msg):
    sys.stderr.write("docx_review: %s\n" % msg)
    sys.stderr.flush()


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


class Office:
    """One headless soffice process, reached over a private pipe."""

    def __init__(self, soffice, timeout, profile_dir, timings):
        self.soffice = soffice
        self.timeout = timeout
        self.timings = timings
        self.work = tempfile.mkdtemp(prefix="accord-lo-")
        self.own_profile = profile_dir is None
        self.profile = os.path.abspath(profile_dir) if profile_dir else os.path.join(self.work, "profile")
        self.proc = None
        self.desktop = None
        self.ctx = None
        self._timer = None
        self._stage = "start"
        self.timed_out = threading.Event()

    # -- watchdog ---------------------------------------------------------
    def arm(self, stage):
        self.disarm()
        self._stage = stage
        self._timer = threading.Timer(self.timeout, self._expired)
        self._timer.daemon = True
        self._timer.start()

    def disarm(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self):
        # Killing soffice makes any pending UNO call in the main thread fail,
        # so main() normally finishes and exits with EXIT_TIMEOUT itself; the
        # hard exit below only covers a main thread stuck somewhere else.
        self.timed_out.set()
        log("timeout after %ss during %s; killing soffice" % (self.timeout, self._stage))
        self.kill()
        time.sleep(10)
        self.cleanup()
        os._exit(EXIT_TIMEOUT)

    # -- life cycle -------------------------------------------------------
    def start(self):
        t0 = time.monotonic()
        fresh = not os.path.isdir(self.profile)
        self.arm("soffice start-up")
        pipe = "accord_lo_%d_%s" % (os.getpid(), uuid.uuid4().hex[:8])
        env = dict(os.environ)
        home = env.get("HOME")
        if not home or not os.path.isdir(home) or not os.access(home, os.W_OK):
            env["HOME"] = self.work  # soffice/fontconfig want a writable HOME
        args = [
            self.soffice,
            "-env:UserInstallation=" + uno.systemPathToFileUrl(self.profile),
            "--headless", "--invisible", "--nologo", "--nodefault",
            "--norestore", "--nolockcheck", "--nofirststartwizard",
            "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe,
        ]
        self.logfile = os.path.join(self.work, "soffice.log")
        try:
            with open(self.logfile, "wb") as lf:
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=lf,
                                             stderr=subprocess.STDOUT, env=env,
                                             start_new_session=True)
        except OSError as e:
            raise StartError("cannot run %s: %s" % (self.soffice, e))

        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
        while True:
            try:
                self.ctx = resolver.resolve(url)
                break
            except NoConnectException:
                if self.proc.poll() is not None:
                    raise StartError("soffice exited with status %s before accepting "
                                     "connections%s" % (self.proc.returncode, self._log_tail()))
                time.sleep(0.05)
        self.desktop = self.ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", self.ctx)
        self.dispatcher = self.ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", self.ctx)
        self.disarm()
        if self.timings:
            log("timing: soffice start + connect %.2fs (%s profile)" % (
                time.monotonic() - t0, "fresh" if fresh else "reused"))

    def _log_tail(self):
        try:
            with open(self.logfile, "rb") as f:
                tail = f.read()[-2000:].decode("utf-8", "replace").strip()
            return (":\n" + tail) if tail else ""
        except OSError:
            return ""

    def shutdown(self):
        if self.timed_out.is_set():
            self.kill()
            return
        self.arm("soffice shutdown")
        t0 = time.monotonic()
        if self.desktop is not None:
            try:
                self.desktop.terminate()
            except Exception:
                pass  # the bridge often drops while terminating; that is fine
        if self.proc is not None:
            try:
                self.proc.wait(timeout=min(15, self.timeout))
            except subprocess.TimeoutExpired:
                log("soffice did not exit after terminate(); killing it")
                self.kill()
        self.disarm()
        if self.timings:
            log("timing: shutdown %.2fs" % (time.monotonic() - t0))

    def _group_members(self):
        """Pids in soffice's process group (ours alone: start_new_session)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) == self.proc.pid:  # field 5: pgrp
                    pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
        return pids

    def kill(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        # Kill soffice.bin first and let its parent (the oosplash launcher,
        # our direct child) reap it, so no zombie is left behind under an
        # init that does not reap; then kill whatever is left of the group.
        for pid in self._group_members():
            if pid != self.proc.pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def cleanup(self):
        shutil.rmtree(self.work, ignore_errors=True)

    # -- documents --------------------------------------------------------
    def load(self, path):
        if not os.path.isfile(path):
            raise JobError("no such file: %s" % path)
        # Load a private copy: no .~lock file next to the input, input untouched.
        copy_dir = tempfile.mkdtemp(prefix="doc-", dir=self.work)
        copy = os.path.join(copy_dir, os.path.basename(path))
        shutil.copyfile(path, copy)
        url = uno.systemPathToFileUrl(copy)
        doc = self.desktop.loadComponentFromURL(url, "_blank", 0, (
            prop("Hidden", True),
            prop("ReadOnly", False),
            prop("UpdateDocMode", 0),       # NO_UPDATE: never update links
            prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
            prop("Silent", True),
        ))
        if doc is None:
            raise JobError("LibreOffice could not load %s" % path)
        filt = {p.Name: p.Value for p in doc.getArgs()}.get("FilterName", "")
        if (not doc.supportsService("com.sun.star.text.TextDocument")
                or not filt.startswith(DOCX_FILTERS)):
            close(doc)
            raise JobError("%s is not a Word DOCX document (LibreOffice opened it "
                           "with filter %r)" % (path, filt))
        return doc

    def dispatch(self, doc, command):
        frame = doc.getCurrentController().getFrame()
        self.dispatcher.executeDispatch(frame, command, "", 0, ())


def close(doc):
    try:
        doc.close(True)
    except Exception:
        try:
            doc.dispose()
        except Exception:
            pass


class StartError(Exception):
    pass


# -- extraction -----------------------------------------------------------

def iso_date(dt):
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % (dt.Year, dt.Month, dt.Day,
                                           dt.Hours, dt.Minutes, dt.Seconds)
    if dt.NanoSeconds:
        s += ".%09d" % dt.NanoSeconds
    if getattr(dt, "IsUTC", False):
        s += "Z"
    return s


TYPE_NAMES = {
    "Insert": "insert",
    "Delete": "delete",
    "Format": "format",
    "Attributes": "format",
    "ParagraphFormat": "paragraph-format",
    "TextTable": "table",
    "Table": "table",
    "Style": "style",
    "FmtColl": "style",
}


def range_text(start, end):
    if start is None:
        return ""
    try:
        cur = start.getText().createTextCursorByRange(start)
        if end is not None:
            cur.gotoRange(end, True)
        return normalise(cur.getString())
    except Exception:
        return ""


def normalise(s):
    # Writer returns paragraph breaks inside a range as "\r\n" or "\n"
    # depending on platform/API; hand back plain "\n".
    return s.replace("\r\n", "\n").replace("\r", "\n")


def get_prop(obj, name, default=None):
    try:
        return obj.getPropertyValue(name)
    except Exception:
        return default


def tracked_changes(doc):
    out = []
    enum = doc.getRedlines().createEnumeration()
    while enum.hasMoreElements():
        r = enum.nextElement()
        lo_type = get_prop(r, "RedlineType", "")
        dt = get_prop(r, "RedlineDateTime")
        out.append({
            "type": TYPE_NAMES.get(lo_type, lo_type.lower()),
            "author": get_prop(r, "RedlineAuthor", ""),
            "date": iso_date(dt) if dt is not None else None,
            "text": range_text(get_prop(r, "RedlineStart"), get_prop(r, "RedlineEnd")),
            "comment": get_prop(r, "RedlineComment", "") or "",
            "lo_type": lo_type,
        })
    return out


def count_redlines(doc):
    n = 0
    enum = doc.getRedlines().createEnumeration()
    while enum.hasMoreElements():
        enum.nextElement()
        n += 1
    return n


def paragraphs(text):
    out = []
    enum = text.createEnumeration()
    while enum.hasMoreElements():
        el = enum.nextElement()
        if el.supportsService("com.sun.star.text.TextTable"):
            for name in el.getCellNames():
                out.extend(paragraphs(el.getCellByName(name)))
        elif el.supportsService("com.sun.star.text.Paragraph"):
            out.append(normalise(el.getString()))
    return out


# -- jobs -----------------------------------------------------------------

def run_job(office, mode, path, out=None):
    doc = office.load(path)
    try:
        if mode == "changes":
            return tracked_changes(doc)
        if mode == "text":
            return paragraphs(doc.getText())
        if mode in ("accept", "reject"):
            # Never record the acceptance itself as a new change.
            doc.setPropertyValue("RecordChanges", False)
            cmd = ".uno:AcceptAllTrackedChanges" if mode == "accept" else ".uno:RejectAllTrackedChanges"
            if count_redlines(doc):
                office.dispatch(doc, cmd)
            left = count_redlines(doc)
            if left:
                raise JobError("%s: %d tracked change(s) left after %s" % (path, left, cmd))
            return paragraphs(doc.getText())
        if mode == "resave":
            out_abs = os.path.abspath(out)
            if not os.path.isdir(os.path.dirname(out_abs)):
                raise JobError("output directory does not exist: %s" % os.path.dirname(out_abs))
            doc.storeToURL(uno.systemPathToFileUrl(out_abs), (
                prop("FilterName", "MS Word 2007 XML"),
                prop("Overwrite", True),
            ))
            if not os.path.isfile(out_abs) or os.path.getsize(out_abs) == 0:
                raise JobError("LibreOffice did not write %s" % out_abs)
            return {"saved": out}
        raise JobError("unknown mode %s" % mode)
    finally:
        close(doc)


def parse_jobs(words, parser):
    jobs = []
    i = 0
    while i < len(words):
        mode = words[i]
        if mode not in MODES:
            parser.error("unknown mode %r (expected one of %s)" % (mode, ", ".join(MODES)))
        n = MODES[mode]
        args = words[i + 1:i + 1 + n]
        if len(args) != n:
            parser.error("mode %s needs %d argument(s)" % (mode, n))
        jobs.append((mode, args[0], args[1] if n == 2 else None))
        i += 1 + n
    if not jobs:
        parser.error("no job given")
    return jobs


def main(argv):
    parser = argparse.ArgumentParser(
        prog="docx_review.py",
        description="Inspect DOCX tracked changes with LibreOffice (see module docstring).",
        usage="%(prog)s [--timeout S] [--soffice PATH] [--profile DIR] [--timings] "
              "MODE FILE [OUT] [MODE FILE [OUT] ...]")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--soffice", default=os.environ.get("ACCORD_SOFFICE", "soffice"))
    parser.add_argument("--profile", default=None)
    parser.add_argument("--timings", action="store_true")
    parser.add_argument("jobs", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    jobs = parse_jobs(ns.jobs, parser)
    produced = set()  # a later job may read what an earlier resave wrote
    for _, path, out in jobs:
        if os.path.abspath(path) not in produced and not os.path.isfile(path):
            log("no such file: %s" % path)
            return EXIT_FAIL
        if out is not None:
            produced.add(os.path.abspath(out))

    office = Office(ns.soffice, ns.timeout, ns.profile, ns.timings)
    status = 0
    results = []
    try:
        try:
            office.start()
        except StartError as e:
            if office.timed_out.is_set():
                return EXIT_TIMEOUT
            log("cannot start LibreOffice: %s" % e)
            return EXIT_START
        except Exception as e:
            if office.timed_out.is_set():
                return EXIT_TIMEOUT
            log("cannot connect to LibreOffice: %s" % e)
            return EXIT_START
        for mode, path, out in jobs:
            office.arm("%s %s" % (mode, path))
            t0 = time.monotonic()
            try:
                result = run_job(office, mode, path, out)
            except JobError as e:
                log(str(e))
                status = EXIT_FAIL
                break
            except Exception as e:  # UNO exceptions, lost bridge, ...
                if not office.timed_out.is_set():
                    log("%s %s failed: %s: %s" % (mode, path, type(e).__name__,
                                                  getattr(e, "Message", "") or e))
                status = EXIT_FAIL
                break
            finally:
                office.disarm()
            if ns.timings:
                log("timing: %s %s %.2fs" % (mode, path, time.monotonic() - t0))
            results.append({"mode": mode, "file": path, "result": result})
    finally:
        office.shutdown()
        office.cleanup()  # the work dir; a --profile DIR outside it is kept

    if office.timed_out.is_set():
        return EXIT_TIMEOUT
    if status:
        return status
    payload = results[0]["result"] if len(results) == 1 else results
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
