/**
 * The journal: the steps of a plan as ready `virsh` commands, and the same steps rendered as a
 * bash script. One source, two renderings: the JSON's `commands` and `migrate.sh` never disagree.
 */
import { HH_NS } from '../metadata.js';
import { parsePci, pciAttributes } from '../libvirt/pci-address.js';
import { isLocalUri } from '../libvirt/uri.js';
import type { Plan, PlanStep, StepHost } from './types.js';

/**
 * Quotes one word for a POSIX shell: bare when it is safe, else single-quoted.
 *
 * @example
 * shellQuote('my vm'); // "'my vm'"
 * shellQuote('web2'); // 'web2'
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const words = (...argv: string[]): string => argv.map(shellQuote).join(' ');

/**
 * How a step calls this tool: `HOSTDEV_HYBRID` may name it (`node /path/to/dist/cli.js` in a
 * clone), split into words by the shell on purpose.
 */
export const HOSTDEV_HYBRID = '${HOSTDEV_HYBRID:-hostdev-hybrid}';

/**
 * The netdev checks read libvirt's interface driver, which a minimal install may lack (Debian 13:
 * libvirt-daemon-driver-interface, only recommended); virsh then says "not supported".
 */
const NO_INTERFACE_DRIVER =
  '; if virsh said "not supported by the connection driver", install libvirt\'s interface driver there (Debian: libvirt-daemon-driver-interface)';

/** The libvirt node device name of a host PCI address: `0000:81:00.2` → `pci_0000_81_00_2`. */
function nodedevName(pci: string): string {
  return `pci_${pci.replace(/[:.]/g, '_')}`;
}

/** XPath of a domain's devices that pass host PCI devices through (their `<source><address>`). */
function holdingXpath(addresses: string[]): string {
  const one = (pci: string): string => {
    const a = pciAttributes(parsePci(pci), false);
    return `source/address[@domain="${a.domain}" and @bus="${a.bus}" and @slot="${a.slot}" and @function="${a.function}"]`;
  };
  return `//devices/*[${addresses.map(one).join(' or ')}]`;
}

/** XPath of the device with this alias (and MAC, lower-case as libvirt prints it). */
function deviceXpath(alias: string, mac?: string): string {
  return `//devices/*[alias/@name="${alias}"]${mac === undefined ? '' : `[mac/@address="${mac.toLowerCase()}"]`}`;
}

/**
 * Builds the steps of a plan for one domain and its two libvirt URIs: the preflight's read-only
 * checks first (the programs the changes call, then the checks in the order they were added),
 * then the changes in order. A change never runs before every check has passed.
 */
export class Journal {
  private readonly checks: PlanStep[] = [];
  private readonly changes: PlanStep[] = [];
  private readonly programs = new Set<string>(['virsh']);

  constructor(
    private readonly domain: string,
    private readonly uris: Record<StepHost, string>,
  ) {}

  /** Every step: the checks, then the changes. */
  get steps(): PlanStep[] {
    const programs = [...this.programs].map((program): PlanStep => {
      const hh = program === HOSTDEV_HYBRID;
      return {
        host: 'source',
        kind: 'check',
        action: 'check',
        description: hh ? 'hostdev-hybrid runs here' : `${program} is on PATH here`,
        command: hh ? `${HOSTDEV_HYBRID} --version >/dev/null` : `command -v ${program} >/dev/null`,
        fix: hh
          ? 'install hostdev-hybrid (npm install -g), or name the command in HOSTDEV_HYBRID (HOSTDEV_HYBRID="node /path/to/dist/cli.js")'
          : `install ${program} here: a later step calls it`,
      };
    });
    return [...programs, ...this.checks, ...this.changes];
  }

  private virsh(host: StepHost, ...args: string[]): string {
    return words('virsh', '-c', this.uris[host], ...args);
  }

  private where(host: StepHost): string {
    return `the ${host}`;
  }

  /**
   * A read-only check; its command exits non-zero when the check fails. A check that reads
   * virsh's output does so with a plain `grep … >/dev/null`, never `grep -q`: under pipefail an
   * early exit of grep kills virsh with SIGPIPE, and a check that passed would fail.
   */
  private check(host: StepHost, description: string, command: string, fix: string, action: 'check' | 'connect' = 'check'): void {
    this.checks.push({ host, kind: 'check', action, description, command, fix });
  }

  private change(step: Omit<PlanStep, 'kind'>): void {
    this.changes.push({ kind: 'change', ...step });
  }

  /** Check: libvirt on that host answers. */
  checkAnswers(host: StepHost): void {
    this.check(
      host,
      `${this.where(host)} answers (${this.uris[host]})`,
      `${this.virsh(host, 'uri')} >/dev/null`,
      'check the URI, that libvirtd runs there and that this machine may connect (ssh keys, TLS)',
      'connect',
    );
  }

  /** Check: the guest runs on that host. */
  checkRunning(host: StepHost): void {
    this.check(
      host,
      `${this.domain} runs on ${this.where(host)} (${this.uris[host]})`,
      `${this.virsh(host, 'domstate', this.domain)} | grep -x running >/dev/null`,
      'the plan is for a running guest: start it, or plan for the host it runs on',
    );
  }

  /** Check: the guest holds this device (by alias, and MAC when it has one) — or, `present` false, does not. */
  checkDevice(host: StepHost, alias: string, mac: string | undefined, present = true): void {
    const query = `${this.virsh(host, 'dumpxml', '--domain', this.domain, '--xpath', deviceXpath(alias, mac))} | grep '<' >/dev/null`;
    const what = mac === undefined ? alias : `${alias} (MAC ${mac.toLowerCase()})`;
    this.check(
      host,
      present ? `${this.domain} holds ${what}` : `${this.domain} does not hold ${what}`,
      present ? query : `! ${query}`,
      'the guest changed since the plan was made: plan again from its XML as it is now',
    );
  }

  /**
   * Check: the guest is persistent on that host. A save/restore carries its definition along (or
   * updates it with `--config`), and libvirt has none to carry for a transient guest.
   */
  checkPersistent(host: StepHost): void {
    this.check(
      host,
      `${this.domain} is defined (persistent) on ${this.where(host)}`,
      `${this.virsh(host, 'list', '--all', '--persistent', '--name')} | grep -Fx ${shellQuote(this.domain)} >/dev/null`,
      `a save/restore moves the guest's definition with it: define it first (virsh dumpxml ${this.domain} > ${this.domain}.xml; virsh define ${this.domain}.xml), or migrate it live`,
    );
  }

  /**
   * Check: libvirt has no managed-save image of the guest on that host. `virsh start` resumes one
   * instead of booting, and `dominfo` does not always know of it; `managedsave-dumpxml` reads the file.
   */
  checkNoManagedSave(host: StepHost): void {
    this.check(
      host,
      `${this.domain} has no managed-save image on ${this.where(host)}`,
      `! ${this.virsh(host, 'managedsave-dumpxml', this.domain)} >/dev/null 2>&1`,
      `the next virsh start of ${this.domain} would resume that image, on disks that have moved on: remove it (virsh managedsave-remove ${this.domain}) once you know it is stale`,
    );
  }

  /** Check: no domain of this name is defined or running on that host. */
  checkAbsent(host: StepHost): void {
    this.check(
      host,
      `${this.where(host)} has no domain named ${this.domain}`,
      `! ${this.virsh(host, 'domstate', this.domain)} >/dev/null 2>&1`,
      'the restore would clash with it and the define would replace its definition: remove or rename one of them',
    );
  }

  /** Checks: each host PCI device exists on that host, and no domain there but this one holds any of them. */
  checkPciDevices(host: StepHost, addresses: string[]): void {
    if (addresses.length === 0) return;
    for (const pci of addresses) {
      this.check(
        host,
        `${this.where(host)} has PCI device ${pci}`,
        `${this.virsh(host, 'nodedev-dumpxml', nodedevName(pci))} >/dev/null`,
        'the host snapshot the plan used is not this host, or is out of date: capture it again and plan again',
      );
    }
    const list = this.virsh(host, 'list', '--all', '--name');
    const holds = `${this.virsh(host, 'dumpxml', '--domain')} "$d" ${words('--xpath', holdingXpath(addresses))}`;
    this.check(
      host,
      `no other domain on ${this.where(host)} holds ${addresses.join(', ')}`,
      // virsh reads standard input: </dev/null, or the first call would swallow the rest of the list.
      `${list} | { held=''; while IFS= read -r d; do if [ -n "$d" ] && [ "$d" != ${shellQuote(this.domain)} ] && ${holds} </dev/null 2>/dev/null | grep '<' >/dev/null; then held="$held $d"; fi; done; [ -z "$held" ] || { echo "held by:$held" >&2; false; }; }`,
      'a domain there took a device since the snapshot was captured: capture the snapshot again and plan again',
    );
  }

  /**
   * Check: a network device (a backup's PF or VLAN sub-interface) exists on that host — and, for a
   * pair with an MTU, carries at least that MTU (libvirt prints it in iface-dumpxml).
   */
  checkNetdev(host: StepHost, netdev: string, usedBy: string, mtu?: number): void {
    const dump = this.virsh(host, 'iface-dumpxml', netdev);
    if (mtu === undefined) {
      this.check(
        host,
        `${this.where(host)} has network device ${netdev} (${usedBy})`,
        `${dump} >/dev/null`,
        `create it there (a VLAN sub-interface: ip link add link PF name PF.VLAN type vlan id VLAN) or plan for another host${NO_INTERFACE_DRIVER}`,
      );
      return;
    }
    this.check(
      host,
      `${this.where(host)} has network device ${netdev} with MTU ${mtu} or more (${usedBy})`,
      `${dump} | sed -n ${shellQuote('s/.*<mtu size=.\\([0-9]*\\).*/\\1/p')} | { read -r m || m=1500; [ "$m" -ge ${mtu} ]; }`,
      `create it there, or raise its MTU (ip link set ${netdev} mtu ${mtu}): a smaller one drops the pair's larger frames${NO_INTERFACE_DRIVER}`,
    );
  }

  /** Check, where the script runs: the folder exists and has `kib` KiB free. */
  checkRoom(folder: string, kib: number, host: StepHost = 'source'): void {
    // df sees this machine only: with a remote URI the folder is on another host.
    if (!isLocalUri(this.uris[host])) return;
    this.programs.add('df');
    this.check(
      host,
      `${folder} exists and has ${Math.ceil(kib / 1024)} MiB free for the guest's memory`,
      `test -d ${shellQuote(folder)} && [ "$(df -Pk ${shellQuote(folder)} | awk 'NR == 2 { print $4 }')" -ge ${kib} ]`,
      'create the folder, free space there, or save elsewhere (--save-file)',
    );
  }

  detach(host: StepHost, alias: string, file: string, live: string[] = ['--live']): void {
    this.change({
      host,
      action: 'detach',
      alias,
      description: `detach ${alias}`,
      command: this.virsh(host, 'detach-device', this.domain, file, ...live),
      undo: this.virsh(host, 'attach-device', this.domain, file, ...live),
    });
  }

  /**
   * libvirt's detach returns before the guest has let go of the device; migrating then fails or
   * takes the device along. Wait, bounded, until the alias is gone from the live XML.
   */
  waitDetached(host: StepHost, alias: string, seconds = 60): void {
    this.programs.add('timeout');
    const poll = `while ${this.virsh(host, 'dumpxml', this.domain)} | grep -qE ${shellQuote(`<alias name=.${alias}./>`)}; do sleep 1; done`;
    this.change({
      host,
      action: 'wait-detached',
      alias,
      description: `wait until the guest has released ${alias} (at most ${seconds} s)`,
      command: `timeout ${seconds} sh -c ${shellQuote(poll)}`,
    });
  }

  /** Keeps the backup's link up while the VF is away (the kernel's net_failover guide does the same). */
  linkUp(host: StepHost, alias: string, mac: string): void {
    this.change({
      host,
      action: 'set-link',
      alias,
      description: `keep the link of ${alias} up`,
      command: this.virsh(host, 'domif-setlink', this.domain, mac, 'up'),
    });
  }

  attach(host: StepHost, alias: string, file: string, flags: string[] = ['--live']): void {
    this.change({
      host,
      action: 'attach',
      alias,
      description: `attach ${alias}`,
      command: this.virsh(host, 'attach-device', this.domain, file, ...flags),
      // Only an attach before the switch-over is ever undone (hot-plug's journal).
      undo: this.virsh(host, 'detach-device', this.domain, file, ...flags),
    });
  }

  /** `vfAttached`: a VF moves with its state; QEMU refuses post-copy then, so the plan never asks for it. */
  migrate(destUri: string, migrateFile: string, persistentFile: string, vfAttached = false): void {
    this.change({
      host: 'source',
      action: 'migrate',
      description: `migrate ${this.domain} to ${destUri}${vfAttached ? ' (a VF moves attached, with its state: pre-copy only, never --postcopy)' : ''}`,
      switchover: true,
      command: this.virsh(
        'source',
        'migrate',
        '--live',
        '--persistent',
        '--undefinesource',
        '--xml',
        migrateFile,
        '--persistent-xml',
        persistentFile,
        this.domain,
        destUri,
      ),
    });
  }

  /**
   * libvirt checks migrateXml against the guest's migratable XML *now*; a plan made from another
   * form is rebuilt from it at run time with the plan's own choices (`hostdev-hybrid retarget`).
   */
  rebuildMigrateXml(migrateFile: string, planFile: string): void {
    this.programs.add(HOSTDEV_HYBRID);
    this.change({
      host: 'source',
      action: 'prepare',
      description: `rebuild ${migrateFile} from the running guest's migratable XML and the plan's choices`,
      command: `${this.virsh('source', 'dumpxml', '--migratable', this.domain)} | ${HOSTDEV_HYBRID} ${words('retarget', '-', '--plan', planFile, '-o', migrateFile)}`,
    });
  }

  /** Saves the guest to `file`; `local`: the file is on this machine, so the undo removes it too. */
  save(file: string, local: boolean): void {
    const restore = this.virsh('source', 'restore', file);
    this.change({
      host: 'source',
      action: 'save',
      description: `save ${this.domain} to ${file}`,
      command: this.virsh('source', 'save', this.domain, file),
      // A saved domain is stopped: restoring the image as it was undoes the save.
      undo: local ? `${restore} && ${words('rm', '-f', file)}` : restore,
    });
  }

  restore(file: string, xmlFile: string): void {
    this.change({
      host: 'destination',
      action: 'restore',
      description: `restore ${this.domain} from ${file} with its XML for this host`,
      switchover: true,
      command: this.virsh('destination', 'restore', file, '--xml', xmlFile),
    });
  }

  /**
   * Defines the guest on that host from `file`: a domain restored there is transient until then.
   * Its undo is nothing: a failure after the switch-over is never undone.
   */
  define(host: StepHost, file: string): void {
    this.change({
      host,
      action: 'define',
      description: `define ${this.domain} on ${this.where(host)} from ${file} (the restored guest becomes persistent there)`,
      command: this.virsh(host, 'define', file),
    });
  }

  /**
   * Removes the guest's definition on that host (its definition has moved on). A UEFI guest's
   * NVRAM file stays (`--keep-nvram`): plain undefine refuses such a guest, and deleting the file
   * is not a move's to decide.
   */
  undefine(host: StepHost): void {
    this.change({
      host,
      action: 'undefine',
      description: `undefine ${this.domain} on ${this.where(host)}: it is defined on the destination now`,
      command: this.virsh(host, 'undefine', '--keep-nvram', this.domain),
    });
  }

  /** Removes the save image, where the script runs: once restored, nothing may take it again. */
  removeImage(file: string): void {
    this.change({
      host: 'source',
      action: 'remove-image',
      description: `remove the save image ${file}: the guest was restored from it`,
      command: words('rm', '-f', file),
    });
  }

  /** Writes our metadata element on the domain (or removes it when `file` is undefined). */
  metadata(host: StepHost, file: string | undefined, flags: string[]): void {
    const base = this.virsh(host, 'metadata', this.domain, '--uri', HH_NS);
    this.change({
      host,
      action: 'metadata',
      description: file === undefined ? 'remove the hostdev-hybrid metadata' : "record the pairs in the domain's metadata",
      command:
        file === undefined
          ? `${base} --remove ${flags.join(' ')}`
          : `${base} --key hh --set "$(cat ${shellQuote(file)})" ${flags.join(' ')}`,
    });
  }
}

/**
 * The script's name: `OPERATION.sh`, and `migrate.sh` for save-restore too (a move either way).
 *
 * @example
 * scriptName(planRepair(xml, host)); // 'repair.sh'
 */
export function scriptName(plan: Plan): string {
  return plan.operation === 'save-restore' ? 'migrate.sh' : `${plan.operation}.sh`;
}

/** The script's exit statuses (docs/MIGRATION.md). */
export const SCRIPT_EXIT = {
  /** A step before the switch-over failed; the steps that ran were undone. */
  stepFailed: 1,
  /** A step after the switch-over failed; the guest runs on the destination, on its backups. */
  afterSwitchover: 2,
  /** A preflight check failed; nothing was changed. */
  checkFailed: 3,
  /** The script was called with an argument it does not take. */
  usage: 64,
} as const;

/** Text for a double-quoted shell string. */
const inDoubleQuotes = (s: string): string => s.replace(/["`$\\]/g, '\\$&');

/**
 * The plan as a bash script for a person to read and run. The preflight runs every check first
 * and changes nothing when one fails (exit 3; `--check` runs the checks alone). Then each step is
 * echoed; a failure before the switch-over runs the compensations of the steps that ran, newest
 * first (exit 1); a failure after it leaves the guest running on its backups and says how to
 * repair (exit 2).
 *
 * @example
 * writeFileSync('migrate.sh', renderScript(planMigration(xml, hostA, hostB, { destUri })), { mode: 0o755 });
 */
export function renderScript(plan: Plan): string {
  const checks = plan.steps.filter((s) => s.kind === 'check').length;
  return (
    [...scriptHeader(plan), ...scriptChecks(plan), ...scriptGate(checks), ...scriptUndo(plan), ...scriptChanges(plan)].join('\n') + '\n'
  );
}

/** What the script is, its usage and exits, the plan's warnings; its argument; the preflight's state. */
function scriptHeader(plan: Plan): string[] {
  return [
    '#!/usr/bin/env bash',
    `# ${plan.operation} of domain ${plan.domain} (${plan.style} style), written by hostdev-hybrid.`,
    '# Read it before you run it. It runs from its own folder: the XML files it names are there.',
    `# Usage: bash ${scriptName(plan)} [--check]   (--check: run the read-only checks alone)`,
    `# Exit: 0 done; ${SCRIPT_EXIT.stepFailed} a step failed, the steps that ran were undone; ${SCRIPT_EXIT.afterSwitchover} a step after the`,
    `# switch-over failed (the guest runs on the destination); ${SCRIPT_EXIT.checkFailed} a check failed, nothing was changed.`,
    ...plan.warnings.map((w) => `# warning[${w.code}]: ${w.message.replace(/\n/g, ' ')}`),
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    '',
    'check_only=no',
    'case "$#:${1:-}" in',
    '  1:--check) check_only=yes ;;',
    '  0:) ;;',
    `  *) echo "usage: $0 [--check]" >&2; exit ${SCRIPT_EXIT.usage} ;;`,
    'esac',
    '',
    '# Preflight: read-only checks. Nothing changes unless every one passes.',
    'failed=0',
    ...[...new Set(plan.steps.filter((st) => st.action === 'connect').map((st) => st.host))].map(
      (h) => `down_${h}=no   # yes once the ${h} does not answer`,
    ),
    'check_failed() {',
    '  echo "hostdev-hybrid: check failed: $1; $2" >&2',
    '  failed=$((failed + 1))',
    '}',
    '',
  ];
}

/** Every check, each run; a host that does not answer has its other checks skipped, not failed once each. */
function scriptChecks(plan: Plan): string[] {
  const out: string[] = [];
  const connected = new Set<StepHost>();
  plan.steps.forEach((step, i) => {
    if (step.kind !== 'check') return;
    const title = `${i + 1}. [${step.host}] check: ${step.description}`;
    out.push(`# ${title}`, `echo ${shellQuote(`>>> ${title}`)} >&2`, ...severalWords(step.command));
    const down = `down_${step.host}`;
    if (connected.has(step.host)) {
      out.push(`if [ "$${down}" = yes ]; then`);
      out.push(`  echo ${shellQuote(`hostdev-hybrid: skipped: the ${step.host} does not answer`)} >&2`);
      out.push(`elif ! { ${step.command}; }; then`);
    } else out.push(`if ! { ${step.command}; }; then`);
    out.push(`  check_failed ${shellQuote(step.description)} ${shellQuote(step.fix ?? '')}`);
    if (step.action === 'connect') {
      out.push(`  ${down}=yes`);
      connected.add(step.host);
    }
    out.push('fi', '');
  });
  return out;
}

/** Stop when any check failed, or after the checks with --check. */
function scriptGate(checks: number): string[] {
  return [
    'if [ "$failed" -gt 0 ]; then',
    `  echo "hostdev-hybrid: $failed of ${checks} check(s) failed; nothing was changed" >&2`,
    `  exit ${SCRIPT_EXIT.checkFailed}`,
    'fi',
    'if [ "$check_only" = yes ]; then',
    `  echo "hostdev-hybrid: all ${checks} checks passed; nothing was changed (--check)" >&2`,
    '  exit 0',
    'fi',
    '',
  ];
}

/** The journal of compensations, and what a failed step does with it: undo before the switch-over, say so after. */
function scriptUndo(plan: Plan): string[] {
  return [
    'undo=()        # compensations of the steps that ran, oldest first',
    'switched=no    # yes once the guest runs on the destination',
    '',
    'on_error() {',
    '  trap - ERR',
    '  if [ "$switched" = yes ]; then',
    `    echo "hostdev-hybrid: a step after the switch-over failed: ${inDoubleQuotes(plan.rollback.afterSwitchover?.message ?? 'the guest keeps running; repair it there.')}" >&2`,
    `    exit ${SCRIPT_EXIT.afterSwitchover}`,
    '  fi',
    '  echo "hostdev-hybrid: a step failed; undoing the ${#undo[@]} step(s) that ran" >&2',
    '  local i',
    '  for ((i = ${#undo[@]} - 1; i >= 0; i--)); do',
    '    echo "+ ${undo[i]}" >&2',
    '    eval "${undo[i]}" || echo "hostdev-hybrid: could not undo: ${undo[i]}" >&2',
    '  done',
    `  exit ${SCRIPT_EXIT.stepFailed}`,
    '}',
    'trap on_error ERR',
    '',
  ];
}

/** Every change, in order, each recording its compensation; the last line says it is done. */
function scriptChanges(plan: Plan): string[] {
  const out: string[] = [];
  plan.steps.forEach((step, i) => {
    if (step.kind === 'check') return;
    const title = `${i + 1}. [${step.host}] ${step.description}`;
    out.push(`# ${title}`, `echo ${shellQuote(`>>> ${title}`)} >&2`, ...severalWords(step.command), step.command);
    if (step.undo !== undefined) out.push(`undo+=(${shellQuote(step.undo)})`);
    if (step.switchover) out.push('switched=yes');
    out.push('');
  });
  out.push(`echo "hostdev-hybrid: ${plan.operation} of ${inDoubleQuotes(plan.domain)} done" >&2`);
  return out;
}

/** shellcheck's note for a command that calls HOSTDEV_HYBRID, unquoted on purpose. */
function severalWords(command: string): string[] {
  return command.includes(HOSTDEV_HYBRID) ? ['# shellcheck disable=SC2086 # HOSTDEV_HYBRID may be several words (node dist/cli.js)'] : [];
}
