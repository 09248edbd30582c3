"""Runs Debian's jupyter_kernel_test suite against a kernel (python3 run.py noiselab|tslab); prints one JSON line per test and subtest."""
import json
import sys
import unittest

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import importlib  # noqa: E402

suite_module = importlib.import_module(f"test_{sys.argv[1] if len(sys.argv) > 1 else 'noiselab'}")


class Recorder(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.outcomes = []

    def _add(self, test, outcome, detail=""):
        self.outcomes.append({"test": test.id().split(".")[-1] if not hasattr(test, "test_case") else f"{test.test_case.id().split('.')[-1]} {test._subDescription()}", "outcome": outcome, "detail": detail[-300:]})

    def addSuccess(self, test):
        self._add(test, "pass")

    def addFailure(self, test, err):
        self._add(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        self._add(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        self._add(test, "skip", reason)

    def addSubTest(self, test, subtest, err):
        if err is None:
            self._add(subtest, "pass")
        else:
            self._add(subtest, "fail" if issubclass(err[0], test.failureException) else "error", self._exc_info_to_string(err, test))


suite = unittest.defaultTestLoader.loadTestsFromModule(suite_module)
result = Recorder()
suite.run(result)
for o in result.outcomes:
    print(json.dumps(o))
