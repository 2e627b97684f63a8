// One chaos run against any running deployment: subscribers running the page's own code, a
// Chromium page posting through its composer, posters at a steady pace, the faults of a
// schedule injected one after another, then every screen checked against the committed
// history. The deployment (all-in-one or scale-out) supplies the faults.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BrowserPage } from './browser-page.js';
import {
  checkScreen,
  committedHistory,
  isClean,
  lostAcknowledged,
  type ScreenCheck,
} from './committed-history.js';
import { Poster } from './poster.js';
import { type ChaosSettings, chaosSettings, faultSchedule } from './schedule.js';
import { Subscriber } from './subscriber.js';

export interface FaultOutcome {
  /** When recovery starts counting: the fault itself, or the thaw of a freeze. */
  from: number;
  note: string;
}

export interface ChaosTarget {
  /** Where browsers and clients reach the deployment (the origin, or nginx). */
  url(): string;
  /** Every fault this deployment can suffer. */
  readonly faults: readonly string[];
  inject(fault: string): Promise<FaultOutcome>;
  /** Broken promises the target saw while injecting (e.g. orphaned processes). */
  readonly problems: string[];
}

export interface ChaosOptions {
  name: string;
  room: string;
  subscribers: number;
  posters: number;
  postIntervalMs: number;
  /** Posting interval of the Chromium page, ms. */
  browserIntervalMs: number;
}

export interface FaultResult {
  fault: string;
  /** From the fault (or thaw) until a new post is acknowledged and on every screen; null = never. */
  recoveryMs: number | null;
  note: string;
}

export interface ChaosReport {
  name: string;
  seed: number;
  minutes: number;
  subscribers: number;
  committedEvents: number;
  acknowledgedPosts: number;
  faults: FaultResult[];
  screens: {
    name: string;
    shown: number;
    missing: number;
    duplicate: number;
    outOfOrder: number;
    notCommitted: number;
  }[];
  dirtyScreens: string[];
  lostAcknowledged: string[];
  failedPosts: string[];
  chromiumErrorsShown: string[];
  chromiumPageErrors: string[];
  chromiumPostedButNotCommitted: string[];
  converged: boolean;
  problems: string[];
  reportPath: string;
}

/** Api settings for a run: every poster comes from one address, and the limits are not what
 * this suite measures. */
export const unlimited: Record<string, string> = {
  // Every poster comes from one address; the limits are not what this suite measures.
  ...Object.fromEntries(
    ['PARTICIPANT', 'ROOM_MESSAGE', 'ADDRESS_MESSAGE', 'COOKIELESS'].flatMap((name) => [
      [`${name}_RATE_LIMIT`, '1000000/60'],
      [`${name}_BURST`, '1000000'],
    ]),
  ),
  ROOM_RATE_LIMIT: '1000/60',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(
  target: ChaosTarget,
  settings: ChaosSettings,
  options: ChaosOptions,
): Promise<ChaosReport> {
  const base = () => target.url();
  const room = options.room;
  const created = await fetch(`${base()}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base() },
    body: JSON.stringify({ name: room }),
  });
  if (created.status !== 201)
    throw new Error(`creating the room answered ${created.status}: ${await created.text()}`);
  const info = (await (await fetch(`${base()}/api/rooms/${room}`)).json()) as { room: { lastSeq: number } };
  const startSeq = info.room.lastSeq;

  const subscribers: Subscriber[] = [];
  const posters: Poster[] = [];
  const browser = new BrowserPage(base(), room);
  try {
    for (let i = 0; i < options.subscribers; i++) {
      const subscriber = new Subscriber(
        `subscriber ${i}`,
        base(),
        room,
        startSeq,
        i % 2 === 0 ? 'sse' : 'websocket',
      );
      subscriber.start();
      subscribers.push(subscriber);
    }
    await browser.open();
    const probe = new Poster('probe', base(), room, 0);
    for (let i = 0; i < options.posters; i++)
      posters.push(new Poster(`poster ${i}`, base(), room, options.postIntervalMs));
    for (const poster of posters) poster.start();
    browser.start(options.browserIntervalMs);
    await sleep(3_000);

    const shownEverywhere = async (seq: number, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (subscribers.every((s) => s.lastSeq >= seq)) return true;
        await sleep(20);
      }
      return false;
    };

    const results: FaultResult[] = [];
    for (const fault of faultSchedule(settings, target.faults)) {
      const { from, note } = await target.inject(fault);
      const ack = await probe.post(`probe after ${fault}`);
      const recovered = ack !== undefined && (await shownEverywhere(Number(ack.id), 90_000));
      results.push({ fault, recoveryMs: recovered ? Date.now() - from : null, note });
      await sleep(2_000);
    }

    for (const poster of posters) await poster.stop();
    await browser.stop();
    const final = (await (await fetch(`${base()}/api/rooms/${room}`)).json()) as {
      room: { lastSeq: number };
    };
    const converged = await shownEverywhere(final.room.lastSeq, 60_000);
    const committed = await committedHistory(base(), room, startSeq);
    const committedMessages = committed.filter((event) => event.type === 'message.created');
    // The Chromium page catches up on its own too: give it the same chance.
    const pageDeadline = Date.now() + 30_000;
    let pageIds = await browser.shownIds();
    while (pageIds.length < committedMessages.length && Date.now() < pageDeadline) {
      await sleep(200);
      pageIds = await browser.shownIds();
    }
    const pageTexts = await browser.shownTexts();

    const screens: ScreenCheck[] = subscribers.map((s) => checkScreen(s.name, s.shown, committed, startSeq));
    screens.push(
      checkScreen(
        'chromium',
        pageIds.map((id, i) => ({ seq: Number(id), type: 'message.created', text: pageTexts[i] })),
        committedMessages,
        startSeq,
      ),
    );
    const acknowledged = [...posters, probe].flatMap((p) => p.acknowledged);
    const reportPath =
      process.env.CHAOS_REPORT_DIR === undefined
        ? join(tmpdir(), `backchannel-chaos-${options.name}-${settings.seed}.json`)
        : join(process.env.CHAOS_REPORT_DIR, `${options.name}-${settings.seed}.json`);
    const report: ChaosReport = {
      name: options.name,
      seed: settings.seed,
      minutes: settings.minutes,
      subscribers: options.subscribers,
      committedEvents: committed.length,
      acknowledgedPosts: acknowledged.length + browser.posted.length,
      faults: results,
      screens: screens.map((s) => ({
        name: s.name,
        shown: s.shown,
        missing: s.missing.length,
        duplicate: s.duplicate.length,
        outOfOrder: s.outOfOrder,
        notCommitted: s.notCommitted.length,
      })),
      dirtyScreens: screens.filter((s) => !isClean(s)).map((s) => s.name),
      lostAcknowledged: lostAcknowledged(acknowledged, committed),
      failedPosts: [...posters, probe].flatMap((p) =>
        p.failed.map((f) => `${p.name}: ${f.text}: ${f.error}`),
      ),
      chromiumErrorsShown: browser.errorsShown,
      chromiumPageErrors: browser.pageErrors,
      chromiumPostedButNotCommitted: browser.posted.filter(
        (text) => !committedMessages.some((m) => m.text === text),
      ),
      converged,
      problems: target.problems,
      reportPath,
    };
    writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(summary(report));
    return report;
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    for (const poster of posters) await poster.stop();
    await browser.close();
  }
}

/** The report as the lines a person reads after a run. */
export function summary(report: ChaosReport): string {
  const dirty = report.screens.filter((s) => report.dirtyScreens.includes(s.name));
  return [
    `chaos run "${report.name}": seed ${report.seed}, ${report.faults.length} faults, ` +
      `${report.committedEvents} committed events, ${report.acknowledgedPosts} acknowledged posts, ` +
      `${report.screens.length} screens (report: ${report.reportPath})`,
    ...report.faults.map(
      (r) =>
        `  ${r.fault.padEnd(18)} recovery ${r.recoveryMs === null ? 'NEVER' : `${(r.recoveryMs / 1000).toFixed(2)} s`}  ${r.note}`,
    ),
    `  screens not equal to the committed history: ${dirty.length}` +
      (dirty.length > 0 ? ` (first: ${JSON.stringify(dirty.slice(0, 2))})` : ''),
    `  acknowledged posts lost: ${report.lostAcknowledged.length}; posts that ended in an error: ${report.failedPosts.length}`,
    `  errors shown on the Chromium page: ${report.chromiumErrorsShown.length}; page errors: ${report.chromiumPageErrors.length}`,
    ...report.problems.map((problem) => `  ${problem}`),
  ].join('\n');
}

/** Every promise the suite checks, as one list of what broke (empty: the run is clean). */
export function brokenPromises(report: ChaosReport): string[] {
  const broken: string[] = [...report.problems];
  if (!report.converged) broken.push('a subscriber did not catch up with the committed history within 60 s');
  if (report.dirtyScreens.length > 0)
    broken.push(`${report.dirtyScreens.length} screens differ from the committed history`);
  if (report.lostAcknowledged.length > 0)
    broken.push(`${report.lostAcknowledged.length} acknowledged posts lost`);
  if (report.failedPosts.length > 0) broken.push(`${report.failedPosts.length} posts ended in an error`);
  if (report.chromiumErrorsShown.length > 0)
    broken.push(`errors shown on the Chromium page: ${report.chromiumErrorsShown.slice(0, 3).join(' | ')}`);
  if (report.chromiumPageErrors.length > 0)
    broken.push(`script errors on the Chromium page: ${report.chromiumPageErrors.slice(0, 3).join(' | ')}`);
  if (report.chromiumPostedButNotCommitted.length > 0)
    broken.push(
      `${report.chromiumPostedButNotCommitted.length} posts the Chromium page sent are not committed`,
    );
  for (const fault of report.faults)
    if (fault.recoveryMs === null) broken.push(`never recovered from ${fault.fault}`);
  return broken;
}

/** A deployment the suite can start and stop around a run. */
export interface StartableTarget extends ChaosTarget {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The suite for one deployment: start it, run the schedule with 20 subscribers (or
 * CHAOS_SUBSCRIBERS), 4 posters at 5/s and the Chromium page at 1/s, and fail on any broken
 * promise.
 */
export function describeChaos(title: string, name: string, room: string, target: StartableTarget): void {
  describe(title, () => {
    const settings = chaosSettings();
    before(() => target.start());
    after(() => target.stop());

    it(`shows exactly the committed history on every screen (seed ${settings.seed})`, async () => {
      const report = await runChaos(target, settings, {
        name,
        room,
        subscribers: Number(process.env.CHAOS_SUBSCRIBERS ?? 20),
        posters: 4,
        postIntervalMs: 200,
        browserIntervalMs: 1_000,
      });
      assert.deepEqual(brokenPromises(report), []);
    });
  });
}
