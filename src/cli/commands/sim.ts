import type { Command } from 'commander';
import { integerArg, numberArg, simAction, type SimCommandDeps } from './sim-action.js';
import { SimCliError } from './sim-client.js';
import { duration, plural, table } from '../table.js';
import { registerSimOpsCommands } from './sim-ops.js';
import { registerSimWorldCommands } from './sim-world.js';

/**
 * `sellerlink sim ...`: a command line over a running simulator's `/_sim/` controls (see
 * docs/simulator.md), sending the control token it finds in the data directory's control file (or
 * SIMULATOR_TOKEN). Readable text by default, the controls' raw JSON with --json; any failure is one
 * line on stderr and exit code 1.
 */

interface ClockView {
  now: string;
  nowMs: number;
  offsetMs: number;
  advancedMs?: number;
}

interface LogEntry {
  requestId: string;
  at: string;
  method: string;
  path: string;
  region: string;
  operation: string | null;
  status: number;
  sellingPartnerId?: string;
  appId?: string;
  note?: string;
}

interface NotificationView {
  notificationId: string;
  notificationType: string;
  appId: string;
  at: number;
  body: { payload?: { applicationOAuthClientNewSecret?: Record<string, string> } };
  destinationUrl: string | null;
  delivery: { status: string; httpStatus?: number; error?: string };
}

/** Registers `sim` and its subcommands. */
export function registerSimCommand(program: Command, deps: SimCommandDeps = {}): void {
  const sim = program
    .command('sim')
    .description('control a running Amazon simulator (clock, apps, sellers, faults, orders, logs, state)')
    .option(
      '--url <url>',
      'simulator base URL (default: $SIMULATOR_URL, else the simulator recorded in the data directory, ' +
        "$SELLERLINK_DATA_DIR or the nearest .sellerlink here or above, else npm start's: http://127.0.0.1:<PORT+1>)",
    )
    .option('--json', 'print the raw JSON the simulator answers');

  registerClockCommands(sim, deps);
  registerSimWorldCommands(sim, deps);
  registerSimOpsCommands(sim, deps);
  registerLogCommands(sim, deps);
  registerStateCommands(sim, deps);
}

function clockLine(view: ClockView): string {
  const offset = view.offsetMs === 0 ? 'real time' : `real time + ${duration(view.offsetMs)}`;
  return `Simulated now: ${view.now} (${offset})`;
}

function registerClockCommands(sim: Command, deps: SimCommandDeps): void {
  const clock = sim
    .command('clock')
    .description('show the simulated clock (or advance it)')
    .action(
      simAction(deps, async (io) => {
        io.show(await io.client.get<ClockView>('/_sim/clock'), clockLine);
      }),
    );
  clock
    .command('advance')
    .description('move simulated time forward (tokens, codes, authorizations and secrets age with it)')
    .option('--days <n>', 'days to advance', numberArg)
    .option('--hours <n>', 'hours to advance', numberArg)
    .option('--minutes <n>', 'minutes to advance', numberArg)
    .option('--seconds <n>', 'seconds to advance', numberArg)
    .action(
      simAction<{ days?: number; hours?: number; minutes?: number; seconds?: number }>(
        deps,
        async (io, o) => {
          const body: Record<string, number> = {};
          for (const unit of ['days', 'hours', 'minutes', 'seconds'] as const) {
            if (o[unit] !== undefined) body[unit] = o[unit];
          }
          if (Object.keys(body).length === 0) {
            throw new SimCliError('say how far: --days N, --hours N, --minutes N or --seconds N');
          }
          const view = await io.client.post<ClockView>('/_sim/clock/advance', body);
          io.show(view, (v) => `Advanced ${duration(v.advancedMs ?? 0)}. ${clockLine(v)}`);
        },
      ),
    );
}

function registerLogCommands(sim: Command, deps: SimCommandDeps): void {
  sim
    .command('requests')
    .description('show the request log, newest first (LWA, SP-API and page requests; never /_sim/)')
    .option('--limit <n>', 'how many entries (default 100)', integerArg)
    .option('--operation <id>', 'only this operation (e.g. searchOrders, or lwa for the token endpoint)')
    .option('--status <code>', 'only this status (429) or class (4xx)')
    .action(
      simAction<{ limit?: number; operation?: string; status?: string }>(deps, async (io, o) => {
        const data = await io.client.get<{ total: number; requests: LogEntry[] }>('/_sim/requests', {
          limit: o.limit === undefined ? undefined : String(o.limit),
          operation: o.operation,
          status: o.status,
        });
        io.show(data, (d) => {
          if (d.requests.length === 0) return 'No requests logged.';
          const rows = d.requests.map((r) => [
            r.at,
            r.region,
            r.method,
            r.path,
            r.operation,
            r.status,
            r.sellingPartnerId,
            r.note,
          ]);
          return [
            table(['time', 'region', 'method', 'path', 'operation', 'status', 'seller', 'note'], rows),
            `(${d.requests.length} of ${plural(d.total, 'matching request')})`,
          ].join('\n');
        });
      }),
    );

  sim
    .command('notifications')
    .description('show the notifications the simulator sent (e.g. new client secrets after a rotation)')
    .option('--app <appId>', 'only this app')
    .option('--reveal', 'print new client secrets')
    .action(
      simAction<{ app?: string; reveal?: boolean }>(deps, async (io, o) => {
        const data = await io.client.get<{ notifications: NotificationView[] }>('/_sim/notifications', {
          appId: o.app,
        });
        io.show(data, (d) => {
          if (d.notifications.length === 0) return 'No notifications sent.';
          return d.notifications.map((n) => notificationText(n, o.reveal === true)).join('\n\n');
        });
      }),
    );
}

function notificationText(n: NotificationView, reveal: boolean): string {
  const d = n.delivery;
  const delivery =
    d.status === 'delivered'
      ? `delivered to ${n.destinationUrl} (HTTP ${d.httpStatus})`
      : d.status === 'no-destination'
        ? 'not delivered: the app has no notification destination'
        : `delivery to ${n.destinationUrl} failed (${d.httpStatus === undefined ? d.error : `HTTP ${d.httpStatus}`})`;
  const lines = [
    `${new Date(n.at).toISOString()}  ${n.notificationType}  app ${n.appId}`,
    `  id ${n.notificationId}; ${delivery}`,
  ];
  const secret = n.body.payload?.applicationOAuthClientNewSecret;
  if (secret) {
    lines.push(
      `  new client secret: ${reveal ? secret.newClientSecret : '(hidden; --reveal shows it)'}`,
      `  new secret expires ${secret.newClientSecretExpiryTime}; old secret expires ${secret.oldClientSecretExpiryTime}`,
    );
  }
  return lines.join('\n');
}

function countsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

function registerStateCommands(sim: Command, deps: SimCommandDeps): void {
  const state = sim.command('state').description('show, save or load the simulated world');
  state
    .command('show', { isDefault: true })
    .description('show the clock and how much of everything exists')
    .action(
      simAction(deps, async (io) => {
        const data = await io.client.get<{ clock: ClockView; counts: Record<string, number> }>('/_sim/state');
        io.show(data, (d) => `${clockLine(d.clock)}\n${countsLine(d.counts)}`);
      }),
    );
  // A plain file name: the simulator keeps state files in its own state directory and writes
  // nowhere else (it answers with the full path).
  state
    .command('save <name>')
    .description("save the world to a JSON file in the simulator's state directory")
    .action(
      simAction(deps, async (io, _o, [name]) => {
        const data = await io.client.post<{ saved: string; counts: Record<string, number> }>(
          '/_sim/state/save',
          { path: name! },
        );
        io.show(data, (d) => `Saved the simulator state to ${d.saved} (${countsLine(d.counts)})`);
      }),
    );
  state
    .command('load <name>')
    .description("replace the world with one saved before (a file in the simulator's state directory)")
    .action(
      simAction(deps, async (io, _o, [name]) => {
        const data = await io.client.post<{ loaded: string; counts: Record<string, number> }>(
          '/_sim/state/load',
          { path: name! },
        );
        io.show(data, (d) => `Loaded the simulator state from ${d.loaded} (${countsLine(d.counts)})`);
      }),
    );
}
