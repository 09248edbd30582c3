"""Debian's jupyter_kernel_test suite against the tslab kernel as `npm run setup` registers it."""
import unittest

import jupyter_kernel_test as jkt


class TslabKernelTests(jkt.KernelTests):
    kernel_name = "tslab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    code_execute_result = [{"code": "6 * 7", "result": "42"}, {"code": '"a" + "b"', "result": "'ab'"}]
    code_display_data = [{"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"}]
    complete_code_samples = ["1 + 1", "const x = 3;"]
    incomplete_code_samples = ["function f() {", "const y = ["]
    invalid_code_samples = ["const = ;"]
    completion_samples = [{"text": "Math.ab", "matches": {"abs"}}]
    code_inspect_sample = "Math.max"
    code_generate_error = 'throw new Error("boom")'


if __name__ == "__main__":
    unittest.main()
