// RUN → a run step. Shell form stays a string (the executor runs it with the
// SHELL in effect, recorded as a config step); exec form becomes an argv;
// heredocs become the script Docker would hand to the shell. The stage's ARGs
// are the command's environment, as in Docker, and never reach the image config.
import { runSchema, type CacheMount, type SecretRef } from '../../dsl/steps/run.js';
import type { Ctx, Instr, StageScope } from '../context.js';
import { execForm } from './config.js';

export function translateRun(ctx: Ctx, ins: Instr, stage: StageScope): void {
  ctx.checkFlags(ins, ['mount', 'network', 'security']);
  const vars = ctx.scope(stage);
  const mounts: CacheMount[] = [];
  const secrets: SecretRef[] = [];
  for (const f of ins.flags.filter((x) => x.name === 'mount')) {
    if (f.value === null) ctx.fail(ins, '--mount needs a value, e.g. --mount=type=cache,target=/var/cache/apt');
    const m = parseMount(ctx, ins, ctx.word(ins, f.value, vars));
    if ('secret' in m) secrets.push(m.secret);
    else mounts.push(m.cache);
  }
  const network = networkOf(ctx, ins, ctx.flag(ins, 'network'));
  const security = ctx.flag(ins, 'security');
  if (security !== undefined && security !== 'insecure' && security !== 'sandbox') ctx.fail(ins, `--security=${security} is not known`, 'Use --security=insecure or leave it out.');

  const command = commandOf(ctx, ins);
  const env: Record<string, string> = {};
  for (const [k, v] of stage.args) if (v !== undefined && !stage.env.has(k)) env[k] = v;
  ctx.push(ctx.step(ins, runSchema, { kind: 'run', command, env, mounts, secrets, network, privileged: security === 'insecure' }));
}

function networkOf(ctx: Ctx, ins: Instr, v: string | undefined): 'default' | 'none' {
  if (v === undefined || v === 'default') return 'default';
  if (v === 'none') return 'none';
  return ctx.unsupported(ins, `--network=${v} is not supported`, 'Use --network=none or --network=default (the build network).');
}

function commandOf(ctx: Ctx, ins: Instr): string | string[] {
  if (ins.heredocs.length === 0) {
    const cmd = execForm(ins.text) ?? ins.text.trim();
    if (cmd.length === 0) ctx.fail(ins, 'RUN needs a command');
    return cmd;
  }
  const head = ins.headText.trim();
  const only = ins.heredocs[0];
  // `RUN <<EOF` alone: the body is the script (Docker's "fake heredoc").
  if (ins.heredocs.length === 1 && /^<<-?(["']?)[A-Za-z0-9_.-]+\1$/.test(head)) {
    const body = only.chomp ? only.body.replace(/^\t+/gm, '') : only.body;
    return body.startsWith('#!') ? shebangScript(body) : body;
  }
  // Anything else (`RUN cat <<EOF > f`, `RUN <<EOF bash`): the shell reads the heredocs itself.
  return head + ins.heredocs.map((h) => `\n${h.body}${h.name}`).join('');
}

/** A `#!` body is run as its own program: write it to a temp file and execute it. */
function shebangScript(body: string): string {
  let end = 'KAIROS_PIPE_SCRIPT';
  while (body.split('\n').includes(end)) end += '_';
  return [`f=$(mktemp) && cat > "$f" <<'${end}'`, `${body.replace(/\n?$/, '\n')}${end}`, `chmod +x "$f" && "$f"; rc=$?; rm -f "$f"; exit $rc`].join('\n');
}

type Mount = { cache: CacheMount } | { secret: SecretRef };

function parseMount(ctx: Ctx, ins: Instr, spec: string): Mount {
  const kv = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    kv.set((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : part.slice(eq + 1).trim());
  }
  const type = kv.get('type') ?? 'bind';
  const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
  const allow = (keys: string[]): void => {
    for (const k of kv.keys()) {
      if (!keys.includes(k)) ctx.unsupported(ins, `--mount option '${k}' is not supported for type=${type}`, `Supported: ${keys.join(', ')}.`);
    }
  };
  if (type === 'cache') {
    allow(['type', 'target', 'dst', 'destination', 'id', 'sharing', 'readonly', 'ro']);
    if (!target?.startsWith('/')) ctx.fail(ins, `--mount=type=cache needs an absolute target, got '${target ?? ''}'`);
    const sharing = kv.get('sharing') ?? 'shared';
    if (sharing !== 'shared' && sharing !== 'locked' && sharing !== 'private') ctx.fail(ins, `--mount sharing=${sharing} is not known`, 'Use shared, locked or private.');
    return { cache: { type: 'cache', target, id: kv.get('id') ?? target, sharing } };
  }
  if (type === 'secret') {
    allow(['type', 'id', 'target', 'dst', 'destination', 'env', 'required']);
    const id = kv.get('id') ?? target?.split('/').pop();
    if (!id) ctx.fail(ins, '--mount=type=secret needs an id');
    if (target !== undefined && target !== `/run/secrets/${id}`) {
      ctx.unsupported(ins, `secret target ${target} is not supported`, `Secrets are mounted at /run/secrets/${id}; read it from there (or use env=NAME).`);
    }
    const env = kv.get('env');
    return { secret: env ? { name: id, env } : { name: id } };
  }
  const hints: Record<string, string> = {
    bind: 'COPY the files into the image first (COPY --from=<stage> for another stage), then RUN.',
    tmpfs: 'Remove the mount; write temporary files under /tmp and delete them in the same RUN.',
    ssh: 'Pass credentials as a secret (--mount=type=secret,id=NAME) instead of an SSH agent.',
  };
  return ctx.unsupported(ins, `--mount=type=${type} is not supported`, hints[type] ?? 'Supported mount types: cache, secret.');
}
