"""her2kb.background: a worker's task when one runs, a thread beside the request when tasks run in-process."""

import threading

from her2kb.background import start_in_background


class RecordingTask:
    def __init__(self) -> None:
        self.queued = 0

    def delay(self) -> None:
        self.queued += 1


def test_with_a_worker_the_task_is_queued_and_nothing_runs_here(settings):
    settings.TASKS_IN_THREAD = False
    task, ran = RecordingTask(), []

    start_in_background(task, lambda: ran.append("here"), name="her2kb-test")

    assert task.queued == 1 and ran == []


def test_without_a_worker_a_named_thread_runs_the_work_and_a_failure_is_logged(settings, caplog):
    settings.TASKS_IN_THREAD = True
    task, done, seen = RecordingTask(), threading.Event(), {}

    def work() -> None:
        seen["thread"] = threading.current_thread().name
        done.set()
        raise RuntimeError("upstream gone")

    start_in_background(task, work, name="her2kb-test")

    assert done.wait(5)
    for thread in threading.enumerate():
        if thread.name == "her2kb-test":
            thread.join(5)
    assert task.queued == 0 and seen["thread"] == "her2kb-test"
    assert "her2kb-test failed" in caplog.text and "upstream gone" in caplog.text
