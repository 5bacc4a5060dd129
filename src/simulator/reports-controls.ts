import type { Hono } from 'hono';
import { z } from 'zod';
import { iso } from '../kernel/clock.js';
import { randomUuid } from '../kernel/random.js';
import type { SimContext, SimEnv } from './context.js';
import { badInput, readJson } from './controls-validate.js';
import { REQUESTABLE_TYPES } from './reports-catalog.js';
import { expireDocumentUrls } from './reports-documents.js';
import { observeReport } from './reports-processing.js';
import { materializeSchedules } from './reports-schedules.js';
import { ensureSettlements } from './reports-settlement.js';
import type { SimReport, SimReportBehaviour } from './state.js';

/**
 * The Reports API's `/_sim/reports` controls: what exists (reports, documents, schedules), fault
 * behaviour for reports created from now on (normal, slow, stuck, fatal), expiring every document
 * URL issued so far, and a reset.
 */

const behaviourSchema = z.strictObject({
  outcome: z.enum(['normal', 'fatal', 'stuck', 'slow']),
  processingSeconds: z
    .number()
    .min(0, 'must not be negative')
    .max(30 * 24 * 3600, 'must be at most 2592000 (30 days)')
    .exactOptional(),
  reportType: z.string().trim().min(1, 'must not be empty').exactOptional(),
  sellingPartnerId: z.string().trim().min(1, 'must not be empty').exactOptional(),
  count: z.number().int('must be an integer').min(1, 'must be at least 1').exactOptional(),
});

const resetSchema = z.strictObject({
  sellingPartnerId: z.string().trim().min(1, 'must not be empty').exactOptional(),
});

/** A report for the controls: its status now, times as ISO strings, and its document. */
function controlView(ctx: SimContext, report: SimReport): Record<string, unknown> {
  const status = observeReport(ctx, report);
  const documentId = report.result?.reportDocumentId;
  const document = documentId === undefined ? undefined : ctx.state.reportDocuments.get(documentId);
  return {
    reportId: report.reportId,
    reportType: report.reportType,
    sellingPartnerId: report.sellingPartnerId,
    appId: report.appId,
    region: report.region,
    marketplaceIds: report.marketplaceIds,
    processingStatus: status,
    createdTime: iso(report.createdAt),
    dataStartTime: iso(report.dataStartTime),
    dataEndTime: iso(report.dataEndTime),
    ...(report.reportScheduleId === undefined ? {} : { reportScheduleId: report.reportScheduleId }),
    processingSeconds: report.processingMs === null ? null : report.processingMs / 1000,
    ...(report.forceFatal ? { forcedFatal: true } : {}),
    document: document
      ? {
          reportDocumentId: document.reportDocumentId,
          contentType: document.contentType,
          compressed: document.compressed,
          size: document.size,
        }
      : null,
  };
}

/** Brings every seller's reports up to now: settlements, and the reports of every schedule. */
function refreshAll(ctx: SimContext): void {
  for (const seller of ctx.state.sellers.values()) ensureSettlements(ctx, seller);
  for (const s of [...ctx.state.reportSchedules.values()]) {
    if (s.appId !== null) {
      materializeSchedules(ctx, { sellingPartnerId: s.sellingPartnerId, appId: s.appId, region: s.region });
    }
  }
}

/** Removes the reports, documents and schedules of one seller (or all) and every behaviour rule. */
function resetReports(ctx: SimContext, sellingPartnerId: string | undefined): Record<string, number> {
  const mine = (item: { sellingPartnerId: string }) =>
    sellingPartnerId === undefined || item.sellingPartnerId === sellingPartnerId;
  const removed = { reports: 0, documents: 0, schedules: 0, behaviours: 0 };
  const slices = [
    ['reports', ctx.state.reports],
    ['documents', ctx.state.reportDocuments],
    ['schedules', ctx.state.reportSchedules],
  ] as const;
  for (const [name, map] of slices) {
    for (const [id, item] of map as Map<string, { sellingPartnerId: string }>) {
      if (!mine(item)) continue;
      map.delete(id);
      removed[name] += 1;
    }
  }
  const rules = ctx.state.reportBehaviours;
  const keep =
    sellingPartnerId === undefined ? [] : rules.filter((r) => r.sellingPartnerId !== sellingPartnerId);
  removed.behaviours = rules.length - keep.length;
  rules.splice(0, rules.length, ...keep);
  return removed;
}

/** Registers `/_sim/reports…`. */
export function registerReportControls(app: Hono<SimEnv>, ctx: SimContext): void {
  app.get('/_sim/reports', (c) => {
    const sellingPartnerId = c.req.query('sellingPartnerId');
    const reportType = c.req.query('reportType');
    refreshAll(ctx);
    const reports = [...ctx.state.reports.values()]
      .filter(
        (r) =>
          (sellingPartnerId === undefined || r.sellingPartnerId === sellingPartnerId) &&
          (reportType === undefined || r.reportType === reportType),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.reportId < b.reportId ? 1 : -1))
      .map((r) => controlView(ctx, r));
    const schedules = [...ctx.state.reportSchedules.values()]
      .filter((s) => sellingPartnerId === undefined || s.sellingPartnerId === sellingPartnerId)
      .map((s) => ({ ...s, nextReportAt: iso(s.nextReportAt), createdAt: iso(s.createdAt) }));
    return c.json({ count: reports.length, reports, schedules, behaviours: ctx.state.reportBehaviours });
  });

  app.get('/_sim/reports/behaviour', (c) => c.json({ behaviours: ctx.state.reportBehaviours }));

  app.post('/_sim/reports/behaviour', async (c) => {
    const body = await readJson(c, behaviourSchema);
    if (!body.ok) return body.response;
    const input = body.value;
    if (input.outcome === 'stuck' && input.processingSeconds !== undefined) {
      return badInput(c, 'processingSeconds', 'does not apply to outcome stuck (it never finishes)');
    }
    if (input.reportType !== undefined && !REQUESTABLE_TYPES.includes(input.reportType)) {
      return badInput(
        c,
        'reportType',
        `must be a report type createReport accepts (${REQUESTABLE_TYPES.join(', ')})`,
      );
    }
    if (input.sellingPartnerId !== undefined && !ctx.state.sellers.has(input.sellingPartnerId)) {
      return badInput(c, 'sellingPartnerId', `unknown seller ${input.sellingPartnerId}`);
    }
    const rule: SimReportBehaviour = { id: randomUuid(ctx.random), outcome: input.outcome };
    if (input.processingSeconds !== undefined) rule.processingSeconds = input.processingSeconds;
    if (input.reportType !== undefined) rule.reportType = input.reportType;
    if (input.sellingPartnerId !== undefined) rule.sellingPartnerId = input.sellingPartnerId;
    if (input.count !== undefined) rule.remaining = input.count;
    ctx.state.reportBehaviours.push(rule);
    return c.json(rule, 201);
  });

  app.delete('/_sim/reports/behaviour', (c) => {
    const removed = ctx.state.reportBehaviours.splice(0).length;
    return c.json({ removed });
  });

  app.post('/_sim/reports/expire-document-urls', (c) => c.json({ documents: expireDocumentUrls(ctx) }));

  app.post('/_sim/reports/reset', async (c) => {
    const body = await readJson(c, resetSchema);
    if (!body.ok) return body.response;
    return c.json({ removed: resetReports(ctx, body.value.sellingPartnerId) });
  });
}
