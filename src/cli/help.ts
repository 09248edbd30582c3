/**
 * The command line's help texts, apart from the commands themselves so that `--help`, `--version` and
 * usage errors answer without loading the engine, tfjs or the notebook runner.
 */

export const RUN_HELP = `usage: noiselab run <notebook.ipynb>... [options]
       noiselab run --all [options]

Starts each notebook's kernel (metadata.kernelspec, found like Jupyter finds kernelspecs), runs its code
cells in order and writes the executed notebook (nbformat 4.5) with every output and timing. The input is
never modified. A failing cell stops its notebook: the output gets a banner and keeps the error; the exit
status is 1. Ctrl-C interrupts the running cells, stops the kernels and writes what ran (exit status 130).

  -p, --parameter NAME VALUE   a parameter; VALUE is JSON when it parses (1, 0.5, true, null, [1,2], "x"), else a string
  -r, --raw-parameter NAME VALUE  a parameter taken as a string as it is
  -f, --parameters-file FILE   parameters from a YAML or JSON mapping (-p and -r override it)
  -o, --output FILE            where the executed notebook goes (one notebook only)
  --output-dir DIR             folder for executed notebooks (default <results>/notebooks)
  --all                        every notebook in notebooks/
  --concurrency N              notebooks run at once (default 2)
  --kernel NAME                kernel to use instead of the notebook's
  --cwd DIR                    kernel working directory (default: the notebook's folder)
  --timeout S                  seconds a cell may run before the kernel is interrupted (default 3600; 0: none)
  --start-timeout S            seconds the kernel has to start (default 60)
  --allow-errors               run every cell even after errors (exit status 0 unless the kernel dies or times out)
  --no-typecheck               run cells unchecked (by default each cell is type-checked before it runs, as in Jupyter: a type error stops the notebook)
  --live                       import noiselab from its source (src/) as the kernel does interactively in a checkout, not from the build (dist/)
  --no-static-figures          keep figures interactive only (default: a PNG beside each, drawn in headless Chromium when it is installed)
  --json                       print the results as JSON

Parameters go into a cell tagged injected-parameters after the cell tagged parameters; names the parameters
cell declares with let are assigned (keeping their type), others declared.`;

export const RESULTS_HELP = `usage: noiselab results <ID> [--compare RUN,RUN] [--rows] [--results DIR] [--json]

Every stored run of a claim (from <results>/history/<ID>.runs.arrow): when, scale, seeds, backend, code
version, verdict and duration; then the verdict numbers of the last two runs (or the two named) side by side.
  --compare A,B   the runs to compare (ids from the list; default: the last two)
  --rows          also print the result rows of the newest compared run
  --results DIR   results folder (default data/results)
  --json          print runs, comparison and rows as JSON`;

export const HELP: Record<string, string> = {
  main: `noiselab: reproduce claims about noise, smoothing and curvature in neural networks

usage: noiselab <command> [options]

commands:
  claims      list every registered claim with its last verdict
  reproduce   run claims at a scale (through their notebooks) and write the results table and report
  report      build the report site (index.html, a page per claim) and REPORT.md from the latest results
  results     a claim's stored runs, compared
  run         execute notebooks headlessly on their Jupyter kernel, with parameters
  worker      run queued seeds (reproduce --queue) on this machine
  info        show the compute backend and where data and results live
  help <cmd>  help for one command
  --version   print noiselab's version

Environment: NOISELAB_BACKEND forces a backend (tensorflow-gpu, tensorflow, webgpu, native, wasm, cpu;
webgpu on a software adapter also needs NOISELAB_WEBGPU_SOFTWARE=1); NOISELAB_GPU=0 keeps the automatic
choice off the GPU backends;
NOISELAB_RESULTS moves the results folder (default data/results).`,
  claims: `usage: noiselab claims [--json]

Lists every claim with its verdicts of record at ci and full scale (the committed records in
data/records: reproduced, partly reproduced, not reproduced, inconclusive or not run; "stale" when the
claim's code or data changed since) and its headline effect with the 95% interval.
  --json   per claim { id, paper, claim, verdicts: { ci, full } }, each verdict with status, effects
           (label, estimate, lo, hi, test, p, claimed, outcome), premise, checks, seeds, code, stale`,
  reproduce: `usage: noiselab reproduce [--claim ID]... [--scale smoke|ci|full] [--seeds 1,2,3] [--workers N] [--out DIR] [--fresh] [--in-process] [--no-static-figures] [--timeout S] [--json]
       noiselab reproduce --queue redis://host:port[/db] [--seed-timeout S] [--attempts N] [--claim ID]... [--scale S] [--seeds L] [--out DIR] [--fresh] [--json]
       noiselab reproduce --check [--claim ID]... [--scale S] [--seeds L] [--workers N] [--json]

Runs every registered claim (or those named by --claim) through its notebook (executed copies go to
<out>/notebooks/, figures with PNG copies) and writes <out>/<ID>.json per claim, appends the run to
<out>/history/<ID>.{runs,rows}.arrow, and rebuilds <out>/results.csv, <out>/REPORT.md and the report site
<out>/site/ (as noiselab report does). A claim whose
parameters, code (src/ and the package lock) and backend match a stored run is not computed again.
Exit status 1 if an experiment failed; a claim that does not reproduce is a valid result, not a failure.
  --claim ID   a claim to run (repeatable; default: all)
  --scale S    smoke (seconds), ci (about a minute each, default) or full (the paper's setting as far as it fits)
  --seeds L    comma-separated seeds replacing the scale's own
  --workers N  processes to spread each claim's seeds over (default: one per core; 1 runs them in-process)
  --out DIR    results folder (default data/results)
  --fresh      compute every claim again, even when a stored run has the same parameters and code
  --in-process run the experiments in this process, without notebooks (the default when the noiselab kernel is missing)
  --queue URL  put one job per claim x seed on the BullMQ queue in this Redis and let noiselab worker processes
               (on any machines) run them; each claim's verdict is computed here once its seeds are in, by
               the same code as a local run, into the same records. Seeds already stored are not enqueued;
               running the same command again resumes. Shows seeds done per claim, and re-executions.
  --seed-timeout S  with --queue: seconds a seed may run before its worker stops it and reports it failed
                    (from the seed's start: a fresh seed process's load of the engine and the claim is not counted)
               (default 21600; 0: no limit)
  --attempts N with --queue: executions a throwing seed gets before it is reported failed (default 3)
  --no-static-figures  no PNG copies of the figures
  --timeout S  seconds a notebook cell may run before its kernel is interrupted (default 3600; at full scale none; 0: none)
  --check      determinism: run each claim twice with the same seeds and compare the result tables bit for
               bit (naming the claim and column of a difference), and once with other seeds, which must change
               the numbers; writes nothing; exit status 1 on any failure
  --json       print the outcomes as JSON on stdout`,
  report: `usage: noiselab report [--results DIR] [--out DIR] [--readme FILE] [--no-static-figures] [--json]

Builds a static site from the latest results: <out>/index.html (every claim: id, paper, claim, verdict,
effect with its 95% interval, seeds, runtime, backend, commit, date; filterable) and <out>/claims/<ID>.html
(the executed notebook with interactive figures, plotly.js served from <out>/assets/, and static PNGs), plus
<results>/REPORT.md with the table and the images. Open index.html in a browser; no server needed.
  --results DIR  results folder (default data/results)
  --out DIR      site folder (default <results>/site)
  --readme FILE  also rewrite the claims table in FILE (between its claims:start and claims:end markers)
  --no-static-figures  do not draw PNGs for figures that have none
  --json         print what was built as JSON`,
  results: RESULTS_HELP,
  run: RUN_HELP,
  worker: `usage: noiselab worker redis://host:port[/db] [--concurrency N] [--lock S]

Takes seed jobs that noiselab reproduce --queue put in this Redis and runs them, each in a sandbox
process that dies with the worker; start one on every machine of the sweep (same commit, npm run setup
done). A job whose worker dies goes to another once its lock expires; a seed that throws is retried
(--attempts of the submitter), one past its time limit (--seed-timeout) is stopped. SIGTERM or Ctrl-C:
finish the running seeds, then leave; a second one leaves at once (its seeds go to other workers).
  --concurrency N  seeds at once (default: one per core; the cores are shared among them)
  --lock S         seconds a job stays claimed by a silent worker before another may take it (default 30):
                   how long a killed worker's seed waits before running elsewhere`,
  info: `usage: noiselab info [--json]

Initialises the engine and prints the chosen backend, the ones skipped and why, the WebGPU adapter Dawn finds
(vendor, device, driver) and why the engine does not choose it, and the results folder.`,
};

export function help(cmd = 'main'): number {
  process.stdout.write((HELP[cmd] ?? HELP.main) + '\n');
  return 0;
}

