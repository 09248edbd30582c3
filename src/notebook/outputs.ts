/**
 * Turns iopub messages into nbformat outputs, as Jupyter front ends do: consecutive stream text of one
 * name is merged, clear_output (also with wait) is honoured, and update_display_data rewrites every
 * earlier output with the same display_id, in any cell.
 */
import type { Message } from './protocol.cjs';
import { lines, text, type Output } from './nbformat.js';

interface Content {
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: string };
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  wait?: boolean;
}

/** Outputs of the notebook being run; one instance per run, `cell` switches the cell receiving them. */
export class OutputCollector {
  private outputs: Output[] = [];
  private clearPending = false;
  private readonly displays = new Map<string, Output[]>();

  /** Starts collecting into `outputs` (the cell's own array). */
  cell(outputs: Output[]): void {
    this.outputs = outputs;
    this.clearPending = false;
  }

  add(msg: Message): void {
    const c = msg.content as Content;
    const type = msg.header.msg_type;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending = true;
      else this.outputs.length = 0;
      return;
    }
    if (type === 'update_display_data') {
      for (const o of this.displays.get(c.transient?.display_id ?? '') ?? []) {
        o.data = c.data ?? {};
        o.metadata = c.metadata ?? {};
      }
      return;
    }
    let out: Output;
    if (type === 'stream') out = { output_type: 'stream', name: c.name ?? 'stdout', text: c.text ?? '' };
    else if (type === 'display_data') out = { output_type: 'display_data', data: c.data ?? {}, metadata: c.metadata ?? {} };
    else if (type === 'execute_result') out = { output_type: 'execute_result', data: c.data ?? {}, metadata: c.metadata ?? {}, execution_count: c.execution_count ?? null };
    else if (type === 'error') out = { output_type: 'error', ename: c.ename ?? 'Error', evalue: c.evalue ?? '', traceback: c.traceback ?? [] };
    else return; // comm messages and the like carry no output
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name) {
      last.text = text(last.text) + text(out.text);
      return;
    }
    const id = c.transient?.display_id;
    if (id && out.output_type === 'display_data') this.displays.set(id, [...(this.displays.get(id) ?? []), out]);
    this.outputs.push(out);
  }
}

/** Stream text stored as Jupyter stores it: a list of lines. */
export function finalizeOutputs(outputs: Output[]): Output[] {
  return outputs.map((o) => (o.output_type === 'stream' ? { ...o, text: lines(text(o.text)) } : o));
}
