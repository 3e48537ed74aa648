"""Ray's own noise is stripped from user-facing output (seed-system.md §1.1 cleaning rules)."""

from __future__ import annotations

from codeinterp_ray_supervisor.noise import NO_OUTPUT, clean_line, clean_lines, clean_output

RAW = (
    "2026-11-28 07:21:08,972\tINFO job_manager.py:581 -- Runtime env is setting up.\n"
    "Running entrypoint for job exp-1: /venv/bin/python runner.py\n"
    "hello from driver\n"
    "2026-11-28 07:21:13,881\tINFO worker.py:1691 -- Using address 192.0.2.2:6390 set in the environment variable RAY_ADDRESS\n"
    "2026-11-28 07:21:13,891\tINFO worker.py:1841 -- Connecting to existing Ray cluster at address: 192.0.2.2:6390...\n"
    "2026-11-28 07:21:13,913\tINFO worker.py:2029 -- Connected to Ray cluster. View the dashboard at "
    "\x1b[1m\x1b[32mhttp://127.0.0.1:8276 \x1b[39m\x1b[22m\n"
    "2026-11-28 07:21:14,001\tINFO logging.py:295 -- Registered dataset logger for dataset dataset_1_0\n"
    "2026-11-28 07:21:14,002\tINFO streaming_executor.py:117 -- Starting execution of Dataset dataset_1_0. "
    "Full logs are in /tmp/ray/session_x/logs/ray-data\n"
    "2026-11-28 07:21:14,003\tINFO streaming_executor.py:118 -- Execution plan of Dataset dataset_1_0: "
    "InputDataBuffer[Input] -> TaskPoolMapOperator[ReadCSV]\n"
    "Running 0: 0.00 row [00:00, ? row/s]\n"
    "- ReadCSV->SplitBlocks(4) 1: 6.00 row [00:01, 4.1 row/s]\n"
    "Sort Sample 0:  50%|█████     | 1/2 [00:00<00:00,  2.0it/s]\n"
    "✔️  Dataset dataset_1_0 execution finished in 0.56 seconds\n"
    "\x1b[36m(square pid=17594)\x1b[0m in task 3\n"
    "\x1b[0m\n"
    "(autoscaler +3s) Tip: use `ray status` to view detailed cluster status.\n"
    "(raylet) [2026-11-28 07:21:15] WARNING something internal\n"
    "*** SIGTERM received at time=1795850479 on cpu 1 ***\n"
    "region  amount\n"
    "north      17\n"
)


def test_ray_internal_lines_are_dropped_and_user_lines_kept():
    assert clean_lines(RAW) == ["hello from driver", "(square pid=17594) in task 3", "region  amount", "north      17"]


def test_user_lines_that_merely_mention_words_survive():
    for line in ["INFO: my own message", "worker.py is a file name I print", "Running total: 42", "50% done"]:
        assert clean_line(line) == line


def test_ansi_and_carriage_return_progress():
    assert clean_line("\x1b[31mred\x1b[0m") == "red"
    assert clean_line("\x1b[2K\x1b[1G") is None
    assert clean_line("step 1\rstep 2\rdone") == "done"


def test_thinking_blocks_escaped_newlines_and_no_output():
    assert clean_output("<thinking>plan\nmore</thinking>answer\\nsecond") == "answer\nsecond"
    assert clean_output("2026-11-28 07:21:08,972\tINFO job_manager.py:581 -- Runtime env is setting up.\n") == NO_OUTPUT
    assert clean_output("") == NO_OUTPUT
