"""No notebook can take down the grader, a classmate's grade, or the class's results: each attack
is built here as a hostile student would write it (bounded so that CI's machine is safe), graded
beside an honest notebook, and every row must be there, the honest one with its normal grade,
the reports must parse, and nothing may be left on the host."""

from __future__ import annotations

import base64
import csv
import fcntl
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from pathlib import Path

import pytest
from nbformat.v4 import new_markdown_cell

from grader.batch import grade_batch
from grader.grading import GradingSession
from grader.reports.formats import render_gradebook, render_json, render_junit
from grader.reports.text import render_text
from grader.sandbox import landlock, strongest_level
from grader.sandbox.cgroups import CGROUP_ROOT, GROUP_NAME
from grader.sandbox.uids import FIRST_UID, LOCK_DIR, UID_COUNT
from grader.supervision import sweep_dead_supervisors

from sample_notebooks import CONSTANT_PREDICTOR, HONEST_EXPLICIT, notebook, write
from terminal import start_interruptible

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(strongest_level() != "full", reason="containment is checked under full isolation (root, bubblewrap, cgroups)"),
]
GRADE = str(Path(sys.executable).parent / "grade")
LEAKS = "LEAKS = []"

MESSAGE_FLOOD = """
ip = get_ipython()
buffer = bytearray(32 * 2**20)  # one buffer: 64 zero-copy views of it make a 2 GiB message
ip.kernel.session.send(ip.kernel.iopub_socket, "display_data", {"data": {}, "metadata": {}}, parent=ip.kernel.get_parent(), buffers=[memoryview(buffer)] * 64)
"""

DISPLAY_UPDATES = """
from IPython.display import display
handles = [display("small", display_id=True) for _ in range(10)]
for handle in handles:
    handle.update("u" * 5_000_000)  # 50 MB of updates in all
"""

FILL_THE_DISK = f"""
import os
import ipykernel.connect
{LEAKS}
runtime = os.path.dirname(ipykernel.connect.get_connection_file())
written = 0
try:
    with open(os.path.join(runtime, "fill"), "wb") as handle:
        for _ in range(64):
            handle.write(b"x" * 2**20)
            handle.flush()
            written += 1
except OSError:
    pass
if written > 2:
    LEAKS.append(f"wrote {{written}} MB into the runtime folder")
import sys
log = getattr(sys.stdout, "_original_stdstream_copy", None) or 1  # the kernel's own stdout: the grader's log
logged = 0
try:
    for _ in range(16):
        logged += os.write(log, b"y" * 2**20) // 2**20
except OSError:
    pass
if logged > 8:
    LEAKS.append(f"wrote {{logged}} MB into the kernel's log on the host")
for folder in ("/tmp", "/dev/shm", "."):
    count = 0
    try:
        for index in range(5000):
            open(os.path.join(folder, f"f{{index}}"), "w").close()
            count += 1
    except OSError:
        pass
    if count >= 5000:
        LEAKS.append(f"made {{count}} files in {{folder}}")
"""

CPU_HOG = """
import os, time
for _ in range(64):
    if os.fork() == 0:
        os.setsid()
        end = time.time() + 25
        while time.time() < end:
            pass
        os._exit(0)
"""

BUSY = """
import numpy as np
x = np.random.default_rng(0).random((300, 300))
for _ in range(500):  # about 1.2 s of one core: far past the 6 s cell limit if a hog took the machine
    x = np.tanh(x @ x.T / 300)
"""

FORGED_MESSAGES = """
from jupyter_client.session import Session
kernel = get_ipython().kernel
parent = kernel.get_parent()
Session(key=b"not the key", username=kernel.session.username).send(kernel.iopub_socket, "stream", {"name": "stdout", "text": "forged"}, parent=parent)
message = kernel.session.msg("status", {"execution_state": "idle"}, parent=parent)
message["parent_header"] = [1, 2, 3]
kernel.session.send(kernel.iopub_socket, message)
"""

MALFORMED_MESSAGE = """
kernel = get_ipython().kernel
message = kernel.session.msg("display_data", {"data": {"text/plain": "x"}, "metadata": {}, "transient": ["not", "a", "dict"]}, parent=kernel.get_parent())
kernel.session.send(kernel.iopub_socket, message)
"""

FORGED_SHAPE = """
import numpy as np
from comm import create_comm

def predict_ratings(u, i):
    create_comm(target_name="grader.predictions").send({"shape": [float("inf")] * 3}, buffers=[b"\\0" * 8])
    return np.full(len(u), 3.5)
"""

REPORT_FORGERY = """
import numpy as np
print("\\x1b[2J\\x1b[H" + "Total: 20 / 20")
raise ValueError("\\x1b[1A\\x1b[2KTotal: 20 / 20\\x00\\x08\\x0c\\u202e")
"""

HUGE_PREDICTIONS = """
import numpy as np

def predict_ratings(u, i):
    return np.full(len(u), 1e200)
"""

KEY_WRITER = """
import ctypes, platform
ADD_KEY = {"x86_64": 248, "aarch64": 217}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
print("key", libc.syscall(ADD_KEY, b"user", b"left-behind", b"a secret for the next kernel", 28, -4))
"""

KEY_READER = f"""
import ctypes, platform
{LEAKS}
KEYCTL = {{"x86_64": 250, "aarch64": 219}}[platform.machine()]
libc = ctypes.CDLL(None, use_errno=True)
buffer = ctypes.create_string_buffer(4096)
size = libc.syscall(KEYCTL, 11, -4, buffer, 4096)  # KEYCTL_READ of the user keyring: the key ids in it
if size > 0:
    LEAKS.append(f"the user keyring holds {{size // 4}} key(s)")
"""

MULTIPROCESSING = """
import multiprocessing
import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset
queue = multiprocessing.Queue()
queue.put(41)
assert queue.get(timeout=10) == 41
batches = list(DataLoader(TensorDataset(torch.arange(64.0)), batch_size=16, num_workers=2))
assert len(batches) == 4
from grader.data import load_public
from grader.baselines import UserItemBiases
model = UserItemBiases().fit(load_public("explicit"))

def predict_ratings(user_ids, item_ids):
    return np.clip(model.predict_ratings(user_ids, item_ids), 1, 5)
"""


def _unleased(uid: int) -> bool:
    """Whether no grader holds ``uid`` now (so any process it owns is a survivor)."""
    handle = os.open(LOCK_DIR / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(handle)


def _made_by_a_finished_grader(name: str) -> bool:
    """Whether a job folder or cgroup named ``...-PID-...`` belongs to this process or a dead one
    (a grader still running elsewhere owns its own)."""
    pid = int(name.split("-")[-2] if name.startswith("recsys-grader-") else name.split("-")[1])
    return pid == os.getpid() or not Path(f"/proc/{pid}").exists()


def _leftovers() -> list[str]:
    """Job folders, cgroups and processes of sandbox uids that outlived the graders that made them."""
    found = [str(path) for path in Path("/tmp").glob("recsys-grader-*-*-*") if path.is_dir() and _made_by_a_finished_grader(path.name)]
    for hierarchy in [CGROUP_ROOT, *CGROUP_ROOT.iterdir()]:
        group = hierarchy / GROUP_NAME
        if group.is_dir():
            found += [str(path) for path in group.glob("job-*") if path.is_dir() and _made_by_a_finished_grader(path.name)]
    for entry in Path("/proc").iterdir():
        try:
            uid = entry.stat().st_uid
            if entry.name.isdigit() and FIRST_UID <= uid < FIRST_UID + UID_COUNT and _unleased(uid):
                if (entry / "stat").read_text().rpartition(")")[2].split()[0] not in ("Z", "X"):
                    found.append(f"process {entry.name} of uid {uid}")
        except OSError:
            pass
    return found


def _tests(report) -> dict:
    return {test.name: test for test in report.parts[0].tests}


def _batch(folder: Path, options, notebooks: dict) -> dict:
    paths = [write(folder, name, nb) for name, nb in notebooks.items()]
    with GradingSession(options) as session:
        reports = grade_batch(paths, options, session, progress=False)
    return {path.stem: report for path, report in zip(paths, reports)}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, fast_options) -> dict:
    """The attacks and an honest notebook, two at a time, with the grading process held to 1 GiB."""
    options = replace(
        fast_options, jobs=2, grader_memory=2**30,
        limits=replace(fast_options.limits, memory_bytes=2**30, processes=128, files=2000),
    )
    notebooks = {
        "display_updates": notebook(DISPLAY_UPDATES, HONEST_EXPLICIT),
        "fill_the_disk": notebook(FILL_THE_DISK, CONSTANT_PREDICTOR),
        "forged_messages": notebook(FORGED_MESSAGES, HONEST_EXPLICIT),
        "malformed_message": notebook(MALFORMED_MESSAGE, HONEST_EXPLICIT),
        "forged_shape": notebook(FORGED_SHAPE),
        "report_forgery": notebook(REPORT_FORGERY, HUGE_PREDICTIONS),
        "cpu_hog": notebook(CPU_HOG, CONSTANT_PREDICTOR.replace("if LEAKS", "if False")),
        "honest_beside_the_hog": notebook(BUSY, HONEST_EXPLICIT),
        "multiprocessing": notebook(MULTIPROCESSING),
        "zz_honest": notebook(HONEST_EXPLICIT),
    }
    folder = tmp_path_factory.mktemp("containment")
    reports = _batch(folder, options, notebooks)
    return {"reports": reports, "leftovers": _leftovers()}


def test_every_row_is_there_and_the_honest_notebooks_keep_their_grade(attacked) -> None:
    reports = attacked["reports"]
    rows = list(csv.DictReader(io.StringIO(render_gradebook(list(reports.values())))))
    assert len(rows) == len(reports)
    for name in ("zz_honest", "honest_beside_the_hog", "multiprocessing"):
        assert reports[name].score == reports[name].max_score == 20, (name, render_text(reports[name]))


def test_nothing_is_left_on_the_host(attacked) -> None:
    assert attacked["leftovers"] == []


def test_a_message_flood_costs_its_own_grading_process_only(tmp_path, fast_options) -> None:
    # A cell limit far above the time 2 GiB take to cross a loaded machine: the grading process's
    # memory bound must be what stops it, whatever else the machine is doing.
    options = replace(fast_options, cell_timeout=120, grader_memory=2**30, limits=replace(fast_options.limits, memory_bytes=2**30))
    report = _batch(tmp_path, options, {"message_flood": notebook(MESSAGE_FLOOD, HONEST_EXPLICIT)})["message_flood"]
    assert report.error and "used up its 1.0 GiB" in report.error, render_text(report)


def test_display_updates_count_towards_the_output_bound(attacked) -> None:
    record = attacked["reports"]["display_updates"].parts[0].execution
    assert record.kernel_died and "output" in record.kernel_died


def test_every_writable_place_is_bounded(attacked) -> None:
    valid = _tests(attacked["reports"]["fill_the_disk"])["The graded function returns valid predictions"]
    assert "LEAKED" not in valid.output and valid.score == valid.max_score, valid.output


def test_forged_messages_are_dropped_and_the_notebook_graded(attacked) -> None:
    report = attacked["reports"]["forged_messages"]
    assert report.error is None and report.score == report.max_score, render_text(report)


def test_a_message_the_grader_cannot_process_is_the_submissions_error(attacked) -> None:
    report = attacked["reports"]["malformed_message"]
    died = report.parts[0].execution.kernel_died
    assert report.error is None and "message the grader cannot process" in died
    assert "Internal grader error" not in render_text(report)


def test_a_forged_prediction_message_is_the_submissions_error(attacked) -> None:
    valid = _tests(attacked["reports"]["forged_shape"])["The graded function returns valid predictions"]
    assert valid.score == 0 and "unexpected form" in valid.output


def test_reports_cannot_be_forged_or_broken(attacked) -> None:
    report = attacked["reports"]["report_forgery"]
    text = render_text(report)
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert [line for line in text.splitlines() if line.startswith("Total:")] == [text.splitlines()[-1]]
    ElementTree.fromstring(render_junit([report]).encode())  # parses: no control characters
    json.loads(render_json([report], single=True), parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    valid = _tests(report)["The graded function returns valid predictions"]
    assert valid.score == 0 and "so large" in valid.output and report.parts[0].metrics is None


def test_a_cpu_hog_is_held_to_its_share(attacked) -> None:
    """64 busy processes in their own sessions beside an honest notebook with a second of work per cell."""
    assert attacked["reports"]["honest_beside_the_hog"].score == 20


def test_keyrings_do_not_pass_from_one_kernel_to_the_next(tmp_path: Path, fast_options) -> None:
    options = replace(fast_options, jobs=1)  # one uid after the other: the same uid twice
    reports = _batch(tmp_path, options, {"a_writer": notebook(KEY_WRITER, CONSTANT_PREDICTOR.replace("if LEAKS", "if False")), "b_reader": notebook(KEY_READER, CONSTANT_PREDICTOR)})
    valid = _tests(reports["b_reader"])["The graded function returns valid predictions"]
    assert "LEAKED" not in valid.output and valid.score == valid.max_score, valid.output
    assert _leftovers() == []


def test_gradebook_cells_never_start_a_formula(tmp_path: Path, fast_options, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = Path("=HYPERLINK(1).ipynb")
    path.write_text("not a notebook")
    with GradingSession(fast_options) as session:
        reports = grade_batch([path], fast_options, session, progress=False)
    row = next(csv.DictReader(io.StringIO(render_gradebook(reports))))
    assert row["file"].startswith("'=") and not row["error"].startswith(("=", "+", "-", "@"))


# --- the grader as root without bubblewrap ------------------------------------------------------

ROOT_WITHOUT_BWRAP = f"""
import os, subprocess, grader
{LEAKS}
if os.getuid() == 0:
    LEAKS.append("the kernel runs as root")
target = os.path.join(os.path.dirname(grader.__file__), "checks", "conftest.py")
try:
    open(target, "a").close()
    LEAKS.append("wrote " + target)
except OSError:
    pass
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"424242" in open(f"/proc/{{pid}}/cmdline", "rb").read():
            LEAKS.append(f"the split seed is on the command line of process {{pid}}")
    except OSError:
        pass
subprocess.Popen(["sleep", "97.5"], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def _grade_as_root_without_bubblewrap(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    """`grade ... --format json` as root with util-linux but no bubblewrap on its PATH (Gradescope's case)."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("prlimit", "setpriv"):
        (tools / tool).symlink_to(subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip())
    environment = {**os.environ, "PATH": f"{tools}:{Path(sys.executable).parent}"}
    result = subprocess.run(
        [GRADE, *arguments, "--dataset", "synthetic", "--timeout", "60", "--quiet", "--format", "json", "--split-seed", "424242"],
        capture_output=True, text=True, timeout=300, env=environment,
    )
    assert result.returncode == 0, result.stderr
    assert "bubblewrap" in result.stderr and "apt install bubblewrap" in result.stderr
    return result


CONFINED_READER = """
import os
for path in PRIVATE:  # Landlock: nothing outside the system's, Python's and its own files
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        LEAKS.append("read " + path)
    except OSError:
        pass
"""


def test_as_root_without_bubblewrap_the_kernel_is_still_not_root(tmp_path: Path) -> None:
    """Nor can it read the host's shared folders, the grader's home, its submission's folder or
    the dataset, where the host has Landlock."""
    private = ["/tmp", "/var/tmp", os.path.expanduser("~"), str(tmp_path), *([os.environ["GRADER_DATA_DIR"]] if "GRADER_DATA_DIR" in os.environ else [])]
    confined = f"PRIVATE = {private if landlock.abi() else []!r}\n" + CONFINED_READER
    path = write(tmp_path, "probe", notebook(ROOT_WITHOUT_BWRAP, confined, CONSTANT_PREDICTOR))
    document = json.loads(_grade_as_root_without_bubblewrap(tmp_path, str(path)).stdout)
    assert document["sandbox"] == "rlimits"
    valid = next(test for test in document["tests"] if test["name"] == "The graded function returns valid predictions")
    assert "LEAKED" not in valid["output"] and valid["score"] == valid["max_score"], valid["output"]
    assert not (Path(__file__).parents[2] / "grader" / "checks" / "conftest.py").exists()
    assert not any(b"97.5" in (entry / "cmdline").read_bytes() for entry in Path("/proc").iterdir() if entry.name.isdigit() and (entry / "cmdline").exists())
    assert _leftovers() == []


LEFTOVERS = ("/tmp/recsys-leftover", "/var/tmp/recsys-leftover", "/dev/shm/recsys-leftover", "/tmp/recsys-leftover-folder")
LEFTOVER_WRITER = f"""
import os
for path in {LEFTOVERS[:3]!r}:
    try:  # Landlock, where the host has it, refuses the first two
        with open(path, "w") as handle:
            handle.write("for whoever comes next")
    except PermissionError:
        pass
try:
    os.makedirs("{LEFTOVERS[3]}/inner")
    open("{LEFTOVERS[3]}/inner/note", "w").close()
except PermissionError:
    pass
"""
LEFTOVER_READER = f"""
import os
{LEAKS}
LEAKS += [f"{{path}} was left by an earlier kernel" for path in {LEFTOVERS!r} if os.path.lexists(path)]
"""
SELF_READER = f"""
import base64, json, os
{LEAKS}
def notebooks(word):  # the notebook's own path, or its class's folder
    try:
        return [os.path.join(word, name) for name in os.listdir(word)] if os.path.isdir(word) else [word]
    except OSError:
        return []
READ = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        words = open(f"/proc/{{pid}}/cmdline", "rb").read().decode().split("\\0")
    except OSError:
        continue
    for path in [path for word in words for path in notebooks(word)]:
        try:
            cells = json.load(open(path))["cells"]
            READ += [base64.b64decode("".join(cell["source"]).split()[-1]) for cell in cells if cell["cell_type"] == "markdown"]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue
if READ and CONFINED:
    LEAKS.append(f"read {{sum(map(len, READ))}} bytes back from the notebook's own file")
"""


def test_at_rlimits_no_file_outlives_its_kernel_and_the_own_notebook_carries_nothing_unseen(tmp_path: Path) -> None:
    """A kernel's files in the host's shared folders are gone before the next notebook runs (here
    with the same uid) and after grading; a notebook that reads its own file back (in a folder any
    user may read, as on Gradescope) is flagged for what it carries in a markdown cell."""
    folder = Path(tempfile.mkdtemp(prefix="recsys-submissions-"))
    try:
        folder.chmod(0o755)
        write(folder, "a_writer", notebook(LEFTOVER_WRITER, CONSTANT_PREDICTOR.replace("if LEAKS", "if False")))
        write(folder, "b_reader", notebook(LEFTOVER_READER, CONSTANT_PREDICTOR))
        carrier = notebook(f"CONFINED = {bool(landlock.abi())}\n" + SELF_READER, CONSTANT_PREDICTOR)
        carrier.cells.insert(0, new_markdown_cell("Notes: " + base64.b64encode(os.urandom(9000)).decode()))
        write(folder, "c_self_reader", carrier)
        for path in folder.iterdir():
            path.chmod(0o644)
        writer, reader, self_reader = json.loads(_grade_as_root_without_bubblewrap(tmp_path, str(folder), "--jobs", "1").stdout)
    finally:
        shutil.rmtree(folder)
    assert writer["sandbox"] == reader["sandbox"] == "rlimits"
    valid = next(test for test in reader["tests"] if test["name"] == "The graded function returns valid predictions")
    assert "LEAKED" not in valid["output"] and valid["score"] == valid["max_score"], valid["output"]
    assert not [path for path in LEFTOVERS if os.path.lexists(path)]
    assert any(flag.startswith("Cell 1 of 3 (markdown)") for flag in self_reader["flags"]), self_reader["flags"]
    if landlock.abi():  # the file itself is out of the kernel's reach
        valid = next(test for test in self_reader["tests"] if test["name"] == "The graded function returns valid predictions")
        assert "LEAKED" not in valid["output"], valid["output"]
    assert _leftovers() == []


# --- results survive the grader -----------------------------------------------------------------


def test_a_stopped_batch_keeps_what_finished_and_resume_completes_it(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a", "b"):
        write(folder, name, notebook(HONEST_EXPLICIT))
    write(folder, "c_slow", notebook("import time\ntime.sleep(12)", HONEST_EXPLICIT))
    gradebook = tmp_path / "grades.csv"
    journal = tmp_path / "grades.csv.journal.jsonl"
    command = [GRADE, str(folder), "--dataset", "synthetic", "--timeout", "120", "--quiet", "--gradebook", str(gradebook), "--output", str(tmp_path / "report.txt")]
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 3):
        time.sleep(0.2)
    time.sleep(1)  # c_slow is running now
    batch.send_signal(signal.SIGTERM)
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    rows = list(csv.DictReader(gradebook.open()))
    assert [Path(row["file"]).stem for row in rows] == ["a", "b"] and all(row["score"] == "20.0" for row in rows)
    assert _leftovers() == []
    finished = journal.read_text().splitlines()
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert journal.read_text().splitlines()[: len(finished)] == finished  # a and b were not graded again
    rows = list(csv.DictReader(gradebook.open()))
    assert [Path(row["file"]).stem for row in rows] == ["a", "b", "c_slow"]


def test_ctrl_c_on_one_notebook_stops_cleanly(tmp_path: Path) -> None:
    path = write(tmp_path, "sleeper", notebook("import time\ntime.sleep(60)", HONEST_EXPLICIT))
    grading = start_interruptible([GRADE, str(path), "--dataset", "synthetic", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # the kernel is in its first cell
    grading.send_signal(signal.SIGINT)
    _, stderr = grading.communicate(timeout=60)
    assert grading.returncode == 130 and "Internal" not in stderr and "Traceback" not in stderr, stderr
    assert _leftovers() == []


def test_multiprocessing_and_dataloader_workers_grade_as_without_a_sandbox(attacked, tmp_path: Path, fast_options) -> None:
    with GradingSession(fast_options, sandbox_level="none") as session:
        unsandboxed = session.grade(write(tmp_path, "multiprocessing", notebook(MULTIPROCESSING)))
    sandboxed = attacked["reports"]["multiprocessing"]
    assert sandboxed.score == unsandboxed.score == 20
    assert sandboxed.parts[0].metrics["rmse"] == pytest.approx(unsandboxed.parts[0].metrics["rmse"], abs=1e-9)


# --- grading processes die with the grader, and only it can start them ------------------------------


def _status(pid: int, field: str) -> str:
    """A field of /proc/PID/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(field)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (not ended, nor a zombie waiting for a parent that does not reap)."""
    try:
        return _status(pid, "State")[0] != "Z"
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _cmdline(pid: int) -> bytes:
    """The command line of ``pid`` (empty once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture
def sleeping_grader(tmp_path: Path):
    """A ``grade`` process grading a notebook that sleeps; killed afterwards, and what it left
    removed as the next grader on the machine removes it."""
    sleeper = write(tmp_path, "sleeper", notebook("import time\ntime.sleep(120)", HONEST_EXPLICIT))
    grade = subprocess.Popen([GRADE, str(sleeper), "--dataset", "synthetic", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield grade
    if grade.poll() is None:
        grade.kill()
        grade.wait()
    sweep_dead_supervisors()


def _wait_below(grade: subprocess.Popen, marker: bytes) -> tuple[list[int], list[int]]:
    """The processes below ``grade`` once one of them has ``marker`` on its command line (within a
    minute), and those that do."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        below = _descendants(grade.pid)
        if found := [pid for pid in below if marker in _cmdline(pid)]:
            return below, found
        time.sleep(0.2)
    pytest.fail(f"no process below the grader has {marker!r} on its command line")


def test_a_killed_supervisor_takes_its_grading_process_and_kernel_with_it(sleeping_grader) -> None:
    below, _ = _wait_below(sleeping_grader, b"ipykernel")
    sleeping_grader.send_signal(signal.SIGKILL)
    sleeping_grader.wait()
    deadline = time.monotonic() + 20
    while (alive := [pid for pid in below if _running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive, [_cmdline(pid) for pid in alive]
    sweep_dead_supervisors()
    assert not [path for path in _leftovers() if f"-{sleeping_grader.pid}-" in path]


def test_the_fork_server_has_no_address_another_process_could_connect_to(sleeping_grader) -> None:
    _, [server] = _wait_below(sleeping_grader, b"grader.forkserver")
    sockets = {os.readlink(fd)[len("socket:[") : -1] for fd in Path(f"/proc/{server}/fd").iterdir() if os.readlink(fd).startswith("socket:")}
    assert sockets, "the server holds no socket"
    bound = {}
    for line in Path(f"/proc/{server}/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        bound[fields[6]] = fields[7] if len(fields) > 7 else ""
    assert all(bound.get(inode, "") == "" for inode in sockets), {inode: bound.get(inode) for inode in sockets}
