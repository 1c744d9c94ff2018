"""Running a notebook in a kernel and collecting its predictions.

``run.execute_notebook`` starts a kernel (sandboxed by ``grader.sandbox``), runs every cell with
bounded time and output, then asks the contract function for predictions over a channel that
carries plain numeric buffers only.
"""
