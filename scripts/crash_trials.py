#!/usr/bin/env python3
"""Crash trials: kill -9 the `omnicrm` CLI at random points of every long operation.

For each operation, every trial starts from a fresh copy of one prepared data folder, starts
the operation, kills it with SIGKILL after a random delay (between 0 and the time an
uninterrupted run takes), and then checks, the way a user would meet the folder next:

- integrity: the next command opens the folder, and `omnicrm doctor` passes (exit 0);
- all or nothing: what the operation changes is either as before or as after, never between;
- rerun: running the operation again finishes, and leaves exactly the state one run gives;
- no leftovers: no unfinished backup files, no locks of batches being written.

Run by scripts/crash-trials.sh, which builds the CLI first. Prints one table row per
operation. Exits 1 when any trial failed a check.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CONFIRMATION = "DELETE ALL MY DATA"


class Cli:
    def __init__(self, binary):
        self.binary = binary

    def argv(self, data_dir, *arguments):
        return [self.binary, "--data-dir", data_dir, *arguments]

    def run(self, data_dir, *arguments, check=True, plain=False):
        """`plain` runs with OMNICRM_ENCRYPTION=off: a plain folder stays plain (an encrypted
        one still opens with its key)."""
        environment = dict(os.environ, OMNICRM_ENCRYPTION="off") if plain else None
        completed = subprocess.run(
            self.argv(data_dir, "--json", *arguments),
            capture_output=True,
            text=True,
            env=environment,
        )
        if check and completed.returncode != 0:
            raise RuntimeError(
                f"omnicrm {' '.join(arguments)} failed ({completed.returncode}): "
                f"{completed.stdout[-400:]} {completed.stderr[-400:]}"
            )
        return completed

    def json(self, data_dir, *arguments, plain=False):
        return json.loads(self.run(data_dir, *arguments, plain=plain).stdout)

    def contact_total(self, data_dir, plain=False):
        return self.json(data_dir, "contacts", "list", "--limit", "1", plain=plain)["total"]

    def contact_ids(self, data_dir):
        ids = []
        while True:
            page = self.json(data_dir, "contacts", "list", "--limit", "500", "--offset", str(len(ids)))
            ids += [item["id"] for item in page["items"]]
            if not page["items"] or len(ids) >= page["total"]:
                return ids

    def tag_usage(self, data_dir, name):
        for entry in self.json(data_dir, "tags", "list"):
            if entry["tag"]["name"] == name:
                return entry["usage_count"]
        return 0

    def backup_names(self, data_dir):
        return sorted(backup["file_name"] for backup in self.json(data_dir, "backup", "list"))


def write_vcards(path, count, prefix):
    with open(path, "w", encoding="utf-8") as file:
        for index in range(count):
            file.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"FN:{prefix} Number{index}\r\n"
                f"EMAIL:{prefix.lower()}{index}@trial.example\r\n"
                "END:VCARD\r\n"
            )


def prepare_template(cli, folder, contacts, import_size):
    """A data folder with `contacts` demo contacts, a backup of that state, a tag, a duplicate
    pair, an import to undo, and files to import."""
    data = os.path.join(folder, "data")
    cli.run(data, "demo", "--contacts", str(contacts), "--seed", "1")
    backup = cli.json(data, "backup", "create")["file_name"]
    cli.run(data, "tags", "add", "trial")
    first = cli.json(data, "contacts", "add", "--name", "Ada Twice", "--email", "ada.twice@trial.example")
    second = cli.json(data, "contacts", "add", "--name", "Ada Twice", "--email", "ada.twice@trial.example")
    undo_file = os.path.join(folder, "to-undo.vcf")
    write_vcards(undo_file, max(import_size // 4, 100), "Undone")
    imported = cli.json(data, "import", undo_file)
    import_file = os.path.join(folder, "to-import.vcf")
    write_vcards(import_file, import_size, "Imported")
    # A folder from before encryption at rest, with a backup: the first open encrypts both.
    plain_data = os.path.join(folder, "plain-data")
    cli.run(plain_data, "demo", "--contacts", str(contacts), "--seed", "3", plain=True)
    cli.run(plain_data, "backup", "create", plain=True)
    return {
        "data": data,
        "plain_data": plain_data,
        "backup": backup,
        "survivor": first["id"],
        "merged": second["id"],
        "undo_import": imported["id"],
        "undo_count": imported["counts"]["create"],
        "import_file": import_file,
        "import_size": import_size,
        "demo_size": max(import_size // 4, 100),
    }


class Operation:
    """One long operation: its command, what it changes, and the states allowed after a kill."""

    def __init__(self, name, command, observe, allowed, after_rerun, rerun_may_fail=False, folder="data"):
        self.name = name
        self.command = command  # (context, data) -> arguments
        self.observe = observe  # (cli, context, data) -> state
        self.allowed = allowed  # (before, context) -> set of allowed states after a kill
        self.after_rerun = after_rerun  # (before, killed_state, context) -> expected state
        # A rerun of an operation that finished before the kill may be refused (nothing left
        # to undo, contact already merged); the state must still be the finished one.
        self.rerun_may_fail = rerun_may_fail
        # The data folder of the context the operation runs on.
        self.folder = folder


def operations(cli):
    total = lambda cli, context, data: cli.contact_total(data)
    return [
        Operation(
            "import",
            lambda context, data: ["import", context["import_file"]],
            total,
            lambda before, context: {before, before + context["import_size"]},
            lambda before, killed, context: before + context["import_size"],
        ),
        Operation(
            "demo",
            lambda context, data: ["demo", "--contacts", str(context["demo_size"]), "--seed", "2"],
            total,
            lambda before, context: {before, before + context["demo_size"]},
            lambda before, killed, context: killed + context["demo_size"],
        ),
        Operation(
            "import undo",
            lambda context, data: ["imports", "undo", context["undo_import"]],
            total,
            lambda before, context: {before, before - context["undo_count"]},
            lambda before, killed, context: before - context["undo_count"],
            rerun_may_fail=True,
        ),
        Operation(
            "tag apply",
            lambda context, data: ["tags", "apply", "trial", *cli.contact_ids(data)],
            lambda cli, context, data: cli.tag_usage(data, "trial"),
            lambda before, context: {before, context["all_contacts"]},
            lambda before, killed, context: context["all_contacts"],
        ),
        Operation(
            "merge",
            lambda context, data: ["duplicates", "merge", context["survivor"], context["merged"]],
            total,
            lambda before, context: {before, before - 1},
            lambda before, killed, context: before - 1,
            rerun_may_fail=True,
        ),
        Operation(
            "restore",
            lambda context, data: ["backup", "restore", context["backup"]],
            total,
            lambda before, context: {before, context["backup_total"]},
            lambda before, killed, context: context["backup_total"],
        ),
        Operation(
            "delete all",
            lambda context, data: ["delete-all-data", "--confirm", CONFIRMATION],
            total,
            lambda before, context: {before, 0},
            lambda before, killed, context: 0,
        ),
        Operation(
            "export",
            lambda context, data: ["export", "--format", "json", "--force", "--out", context["export_file"]],
            lambda cli, context, data: exported_contacts(context["export_file"]),
            lambda before, context: {None, context["all_contacts"]},
            lambda before, killed, context: context["all_contacts"],
        ),
        Operation(
            "encrypt",
            # The first open of a plain folder encrypts it (the database, then its backups).
            lambda context, data: ["contacts", "list", "--limit", "1"],
            lambda cli, context, data: (cli.contact_total(data, plain=True), encrypted(data)),
            lambda before, context: {(before[0], True)},
            lambda before, killed, context: (before[0], True),
            folder="plain_data",
        ),
        Operation(
            "backup",
            lambda context, data: ["backup", "create"],
            lambda cli, context, data: len(cli.backup_names(data)),
            lambda before, context: {before, before + 1},
            lambda before, killed, context: killed + 1,
        ),
    ]


def encrypted_file(path):
    with open(path, "rb") as file:
        return file.read(16) != b"SQLite format 3\0"


def encrypted(data):
    """Whether the folder's database is encrypted: a plain one starts with SQLite's header."""
    with open(os.path.join(data, "omnicrm.sqlite3"), "rb") as file:
        return file.read(16) != b"SQLite format 3\0"


def exported_contacts(path):
    """The number of contacts in a complete export at `path`, `None` when there is no file,
    and "partial" when there is one that is not a whole export."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as file:
            return len(json.load(file)["contacts"])
    except (ValueError, KeyError):
        return "partial"


def leftovers(data):
    found = [name for name in os.listdir(data) if name.endswith(".encrypting")]
    backups = os.path.join(data, "backups")
    if os.path.isdir(backups):
        for name in os.listdir(backups):
            if ".partial" in name:
                found.append(name)
            elif name.endswith(".sqlite3") and not encrypted_file(os.path.join(backups, name)):
                found.append(f"plain backup {name}")
    writing = os.path.join(data, "writing")
    if os.path.isdir(writing):
        found += [os.path.join("writing", name) for name in os.listdir(writing)]
    return found


def timed_run(cli, operation, template, scratch):
    """How long an uninterrupted run of `operation` takes, on a fresh copy."""
    trial = os.path.join(scratch, "timing")
    context = copy_context(template, trial)
    data = context[operation.folder]
    arguments = operation.command(context, data)
    started = time.monotonic()
    cli.run(data, *arguments)
    elapsed = time.monotonic() - started
    shutil.rmtree(trial)
    return elapsed


def copy_context(template, folder):
    shutil.copytree(os.path.dirname(template["data"]), folder)
    context = dict(template)
    context["data"] = os.path.join(folder, "data")
    context["plain_data"] = os.path.join(folder, "plain-data")
    context["import_file"] = os.path.join(folder, "to-import.vcf")
    context["export_file"] = os.path.join(folder, "export.json")
    return context


def trial(cli, operation, template, folder, longest_delay, rng):
    """One kill -9 trial; returns (killed mid-way, list of failed checks)."""
    context = copy_context(template, folder)
    data = context[operation.folder]
    arguments = operation.command(context, data)
    before = operation.observe(cli, context, data)
    process = subprocess.Popen(
        cli.argv(data, "--json", *arguments),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(rng.uniform(0, longest_delay))
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait()
    failures = []
    # The next command opens the folder (rolling back what a kill cut short), as a user would.
    opened = cli.run(data, "contacts", "list", "--limit", "1", check=False)
    if opened.returncode != 0:
        return killed, [f"the folder did not open: {opened.stdout[-300:]}"]
    doctor = cli.run(data, "doctor", check=False)
    if doctor.returncode != 0:
        failures.append("corrupt: doctor failed")
    state = operation.observe(cli, context, data)
    if state not in operation.allowed(before, context):
        failures.append(f"partial: {state} (before {before})")
    left = leftovers(data)
    if left:
        failures.append(f"left behind: {', '.join(left)}")
    rerun = cli.run(data, *arguments, check=False)
    if rerun.returncode != 0 and not operation.rerun_may_fail:
        failures.append(f"rerun failed: {rerun.stdout[-300:]}")
    expected = operation.after_rerun(before, state, context)
    final = operation.observe(cli, context, data)
    if final != expected:
        failures.append(f"rerun ended at {final}, expected {expected}")
    shutil.rmtree(folder)
    return killed, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the omnicrm CLI to test")
    parser.add_argument("--trials", type=int, default=20, help="trials per operation")
    parser.add_argument("--contacts", type=int, default=2000, help="contacts in the data folder")
    parser.add_argument("--import-size", type=int, default=20000, help="contacts in the imported file")
    parser.add_argument("--only", action="append", help="run only this operation (repeatable)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the kill delays")
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    cli = Cli(arguments.binary)
    scratch = tempfile.mkdtemp(prefix="omnicrm-crash-trials.")
    try:
        print(f"preparing a data folder with {arguments.contacts} contacts (kill delays seed {seed})...", flush=True)
        template = prepare_template(cli, os.path.join(scratch, "template"), arguments.contacts, arguments.import_size)
        template["all_contacts"] = cli.contact_total(template["data"])
        template["backup_total"] = arguments.contacts
        print(f"{'operation':<12} {'trials':>6} {'killed':>6} {'run s':>6} {'corrupt':>7} {'partial':>7} {'rerun':>5} {'left':>4}")
        failed = False
        trials_run = 0
        trials_failed = 0
        for operation in operations(cli):
            if arguments.only and operation.name not in arguments.only:
                continue
            longest_delay = timed_run(cli, operation, template, scratch)
            counts = {"killed": 0, "corrupt": 0, "partial": 0, "rerun": 0, "left": 0}
            problems = []
            for number in range(arguments.trials):
                folder = os.path.join(scratch, f"trial-{number}")
                killed, failures = trial(cli, operation, template, folder, longest_delay, rng)
                trials_run += 1
                trials_failed += int(bool(failures))
                counts["killed"] += int(killed)
                for failure in failures:
                    kind = failure.split(":")[0].split(" ")[0]
                    key = {"corrupt": "corrupt", "partial": "partial", "left": "left", "the": "corrupt"}.get(kind, "rerun")
                    counts[key] += 1
                    problems.append(f"  {operation.name}, trial {number + 1}: {failure}")
                if os.path.exists(folder):
                    shutil.rmtree(folder)
            print(
                f"{operation.name:<12} {arguments.trials:>6} {counts['killed']:>6} {longest_delay:>6.2f} "
                f"{counts['corrupt']:>7} {counts['partial']:>7} {counts['rerun']:>5} {counts['left']:>4}",
                flush=True,
            )
            for problem in problems:
                print(problem)
            failed = failed or bool(problems)
        print(f"{trials_run - trials_failed} of {trials_run} trials passed")
        return 1 if failed else 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
