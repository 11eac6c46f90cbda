// A section of the page: a title, an intro, controls, a Run/Stop pair driving one worker job, a
// status line with progress, and figures (charts, images) that an error replaces until the next
// run succeeds. examples/web/README.md shows how to add one.
import type { JobParams, JobProgress, JobResult } from 'nninit/worker';
import { LineChart, type ChartOptions } from './chart';
import { controls, type Controls, type Field, type Values } from './controls';
import { element } from './dom';
import { startJob, StoppedError, type DemoJobs, type JobName } from './job';

export interface SectionSpec {
  /** The section's anchor (#id), also how tests find it. */
  id: string;
  /** A word or two for the page's menu. */
  nav: string;
  title: string;
  /** What is compared and why, as HTML paragraphs (the demo's own text, never user input). */
  intro: string;
  /** Adds the controls, figures and job. */
  build(section: Section): void;
}

/** What a job's progress handler returns: a status line, and how far the job is (`done` of `total`). */
export interface Progress {
  status: string;
  done: number;
  total: number;
}

export interface JobSpec<Name extends JobName, Fields extends Record<string, Field>> {
  /** The job in demo.worker.ts's table. */
  job: Name;
  /** The Run button's text (default "Run"). */
  runLabel?: string;
  /** Turns the form's values into the job's parameters. */
  params(values: Values<Fields>): JobParams<DemoJobs[Name]>;
  /** Resets the figures for a new run; returns the first status line. */
  begin(params: JobParams<DemoJobs[Name]>): string;
  /** Draws one update; returns the status line and how far the job is. */
  progress(update: JobProgress<DemoJobs[Name]>, params: JobParams<DemoJobs[Name]>): Progress;
  /** Draws the result; returns the last status line, which says what came out. */
  finish(result: JobResult<DemoJobs[Name]>, params: JobParams<DemoJobs[Name]>): string;
}

/** The section's state, also on its element as `data-state` for styles and tests. */
export type SectionState = 'idle' | 'running' | 'done' | 'stopped' | 'failed';

export class Section {
  readonly element: HTMLElement;
  readonly id: string;
  private readonly body: HTMLElement;
  private readonly figures: HTMLElement;
  private readonly errorBox: HTMLElement;
  private readonly statusLine: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly meter: HTMLElement;

  constructor(spec: SectionSpec, index: number) {
    this.id = spec.id;
    const intro = element('div', { class: 'intro' });
    intro.innerHTML = spec.intro;
    this.statusLine = element('p', { class: 'status-text', role: 'status' });
    this.bar = element('div', { class: 'meter-bar' });
    this.meter = element('div', { class: 'meter', role: 'progressbar', 'aria-label': `${spec.title}: progress`, 'aria-valuemin': '0', 'aria-valuemax': '100', hidden: true }, this.bar);
    this.figures = element('div', { class: 'figures' });
    this.errorBox = element('div', { class: 'error', role: 'alert', hidden: true });
    this.body = element('div', { class: 'section-body' }, [element('div', { class: 'status' }, [this.meter, this.statusLine]), this.figures, this.errorBox]);
    this.element = element('section', { class: 'lesson', id: spec.id, 'data-section': spec.id, 'aria-labelledby': `${spec.id}-title` }, [
      element('header', { class: 'lesson-head' }, [
        element('p', { class: 'eyebrow' }, `Experiment ${index + 1}`),
        element('h2', { id: `${spec.id}-title` }, spec.title),
        intro,
      ]),
      this.body,
    ]);
    this.setState('idle');
  }

  get state(): SectionState {
    return this.element.dataset.state as SectionState;
  }

  private setState(state: SectionState): void {
    this.element.dataset.state = state;
    this.element.setAttribute('aria-busy', String(state === 'running'));
  }

  /** Adds a form with these fields above the figures. */
  controls<Fields extends Record<string, Field>>(fields: Fields): Controls<Fields> {
    const made = controls(this.id, fields);
    this.body.before(made.form);
    return made;
  }

  /** Adds a line chart to the figures. */
  chart(options: ChartOptions): LineChart {
    const chart = new LineChart(options);
    this.figures.append(chart.element);
    return chart;
  }

  /** Adds a figure around `content` (a canvas, say) with a title and a what-to-look-for caption. */
  figure(title: string, content: HTMLElement, caption: string): HTMLElement {
    const figure = element('figure', { class: 'picture' }, [
      element('h3', { class: 'figure-title' }, title),
      element('div', { class: 'picture-frame' }, content),
      element('figcaption', { class: 'look' }, caption),
    ]);
    this.figures.append(figure);
    return figure;
  }

  /** Sets the status line, with the progress meter when `done` of `total` is given. */
  status(text: string, done?: number, total?: number): void {
    this.statusLine.textContent = text;
    this.meter.hidden = done === undefined || total === undefined;
    if (done !== undefined && total) {
      const percent = Math.round((100 * Math.min(done, total)) / total);
      this.bar.style.width = `${percent}%`;
      this.meter.setAttribute('aria-valuenow', String(percent));
    }
  }

  /** Shows `error` in place of the figures, which would be stale beside it. */
  fail(error: unknown, heading = 'This did not work'): void {
    const message = error instanceof Error ? error.message : String(error);
    this.errorBox.replaceChildren(element('strong', {}, heading), element('p', {}, message));
    this.errorBox.hidden = false;
    this.figures.hidden = true;
    this.setState('failed');
  }

  /** Brings the figures back after `fail`. */
  recover(): void {
    this.errorBox.hidden = true;
    this.figures.hidden = false;
    if (this.state === 'failed') this.setState('idle');
  }

  /**
   * Adds Run and Stop to `form`: Run reads the values, starts the job in a worker of its own and
   * draws its progress; Stop terminates that worker. The fields are disabled while it runs.
   */
  job<Name extends JobName, Fields extends Record<string, Field>>(form: Controls<Fields>, spec: JobSpec<Name, Fields>): void {
    const run = element('button', { type: 'submit', class: 'button run' }, [element('span', { 'aria-hidden': 'true', class: 'icon' }, '▶'), spec.runLabel ?? 'Run']);
    const stop = element('button', { type: 'button', class: 'button stop', disabled: true }, [element('span', { 'aria-hidden': 'true', class: 'icon' }, '■'), 'Stop']);
    form.form.append(element('div', { class: 'actions' }, [run, stop]));
    let current: { stop(): void } | null = null;
    let lastStatus = '';

    const setRunning = (running: boolean) => {
      run.disabled = running;
      stop.disabled = !running;
      form.fieldset.disabled = running;
      run.lastChild!.textContent = running ? 'Running…' : (spec.runLabel ?? 'Run');
    };

    form.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (current) return;
      let params: JobParams<DemoJobs[Name]>;
      try {
        params = spec.params(form.read());
      } catch (error) {
        this.status('');
        return this.fail(error, 'Check the settings');
      }
      this.recover();
      this.setState('running');
      setRunning(true);
      this.status((lastStatus = spec.begin(params)), 0, 1);
      const job = startJob(spec.job, params, (update) => {
        const { status, done, total } = spec.progress(update, params);
        this.status((lastStatus = status), done, total);
      });
      current = job;
      job.result
        .then((result) => {
          this.status(spec.finish(result, params));
          this.setState('done');
        })
        .catch((error: Error) => {
          if (error instanceof StoppedError) {
            this.status(`Stopped. ${lastStatus}`);
            this.setState('stopped');
          } else {
            this.status('');
            this.fail(error, 'Training failed');
          }
        })
        .finally(() => {
          current = null;
          setRunning(false);
        });
    });
    stop.addEventListener('click', () => current?.stop());
  }
}
