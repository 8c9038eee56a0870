/**
 * The journal: the steps of a plan as ready `virsh` commands, and the same steps rendered as a
 * bash script. One source, two renderings: the JSON's `commands` and `migrate.sh` never disagree.
 */
import { HH_NS } from '../expand/metadata.js';
import type { MigrationPlan, PlanStep, StepHost } from './types.js';

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

/** Builds the commands of a plan's steps for one domain and its two libvirt URIs. */
export class Journal {
  readonly steps: PlanStep[] = [];

  constructor(private readonly domain: string, private readonly uris: Record<StepHost, string>) {}

  private virsh(host: StepHost, ...args: string[]): string {
    return words('virsh', '-c', this.uris[host], ...args);
  }

  detach(host: StepHost, alias: string, file: string, live: string[] = ['--live']): void {
    this.steps.push({
      host, action: 'detach', alias, description: `detach ${alias}`,
      command: this.virsh(host, 'detach-device', this.domain, file, ...live),
      undo: this.virsh(host, 'attach-device', this.domain, file, ...live),
    });
  }

  /**
   * libvirt's detach returns before the guest has let go of the device; migrating then fails or
   * takes the device along. Wait, bounded, until the alias is gone from the live XML.
   */
  waitDetached(host: StepHost, alias: string, seconds = 60): void {
    const poll = `while ${this.virsh(host, 'dumpxml', this.domain)} | grep -qE ${shellQuote(`<alias name=.${alias}./>`)}; do sleep 1; done`;
    this.steps.push({
      host, action: 'wait-detached', alias, description: `wait until the guest has released ${alias} (at most ${seconds} s)`,
      command: `timeout ${seconds} sh -c ${shellQuote(poll)}`,
    });
  }

  /** Keeps the backup's link up while the VF is away (the kernel's net_failover guide does the same). */
  linkUp(host: StepHost, alias: string, mac: string): void {
    this.steps.push({
      host, action: 'set-link', alias, description: `keep the link of ${alias} up`,
      command: this.virsh(host, 'domif-setlink', this.domain, mac, 'up'),
    });
  }

  attach(host: StepHost, alias: string, file: string, flags: string[] = ['--live']): void {
    this.steps.push({
      host, action: 'attach', alias, description: `attach ${alias}`,
      command: this.virsh(host, 'attach-device', this.domain, file, ...flags),
      // Only an attach before the switch-over is ever undone (hot-plug's journal).
      undo: this.virsh(host, 'detach-device', this.domain, file, ...flags),
    });
  }

  migrate(destUri: string, migrateFile: string, persistentFile: string): void {
    this.steps.push({
      host: 'source', action: 'migrate', description: `migrate ${this.domain} to ${destUri}`, switchover: true,
      command: this.virsh('source', 'migrate', '--live', '--persistent', '--undefinesource', '--xml', migrateFile,
        '--persistent-xml', persistentFile, this.domain, destUri),
    });
  }

  /**
   * libvirt checks migrateXml against the guest's migratable XML *now*; a plan made from another
   * form is rebuilt from it at run time with the plan's own choices (`hostdev-hybrid retarget`).
   */
  rebuildMigrateXml(migrateFile: string, planFile: string): void {
    this.steps.push({
      host: 'source', action: 'prepare', description: `rebuild ${migrateFile} from the running guest's migratable XML and the plan's choices`,
      command: `${this.virsh('source', 'dumpxml', '--migratable', this.domain)} | ${words('hostdev-hybrid', 'retarget', '-', '--plan', planFile, '-o', migrateFile)}`,
    });
  }

  save(file: string): void {
    this.steps.push({
      host: 'source', action: 'save', description: `save ${this.domain} to ${file}`,
      command: this.virsh('source', 'save', this.domain, file),
      // A saved domain is stopped: restoring the image as it was undoes the save.
      undo: this.virsh('source', 'restore', file),
    });
  }

  restore(file: string, xmlFile: string): void {
    this.steps.push({
      host: 'destination', action: 'restore', description: `restore ${this.domain} from ${file} with its XML for this host`, switchover: true,
      command: this.virsh('destination', 'restore', file, '--xml', xmlFile),
    });
  }

  /** Writes our metadata element on the domain (or removes it when `file` is undefined). */
  metadata(host: StepHost, file: string | undefined, flags: string[]): void {
    const base = this.virsh(host, 'metadata', this.domain, '--uri', HH_NS);
    this.steps.push({
      host, action: 'metadata', description: file === undefined ? 'remove the hostdev-hybrid metadata' : 'record the pairs in the domain\'s metadata',
      command: file === undefined ? `${base} --remove ${flags.join(' ')}` : `${base} --key hh --set "$(cat ${shellQuote(file)})" ${flags.join(' ')}`,
    });
  }
}

/**
 * The plan as a bash script for a person to read and run: each step echoed; a failure before the
 * switch-over runs the compensations of the steps that ran, newest first; a failure after it
 * leaves the guest running (on its backups) and says how to repair.
 *
 * @example
 * writeFileSync('migrate.sh', renderScript(planMigration(xml, hostA, hostB)), { mode: 0o755 });
 */
export function renderScript(plan: MigrationPlan): string {
  const out: string[] = [
    '#!/usr/bin/env bash',
    `# ${plan.operation} of domain ${plan.domain} (${plan.style} style), written by hostdev-hybrid.`,
    '# Read it before you run it. It runs from its own folder: the XML files it names are there.',
    ...(plan.warnings.map((w) => `# warning[${w.code}]: ${w.message.replace(/\n/g, ' ')}`)),
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    '',
    'undo=()        # compensations of the steps that ran, oldest first',
    'switched=no    # yes once the guest runs on the destination',
    '',
    'on_error() {',
    '  local status=$?',
    '  trap - ERR',
    '  if [ "$switched" = yes ]; then',
    `    echo "hostdev-hybrid: a step after the switch-over failed: ${plan.rollback.afterSwitchover?.message.replace(/["`$\\]/g, '\\$&') ?? 'the guest keeps running; repair it there.'}" >&2`,
    '  else',
    '    echo "hostdev-hybrid: a step failed; undoing the ${#undo[@]} step(s) that ran" >&2',
    '    local i',
    '    for ((i = ${#undo[@]} - 1; i >= 0; i--)); do',
    '      echo "+ ${undo[i]}" >&2',
    '      eval "${undo[i]}" || echo "hostdev-hybrid: could not undo: ${undo[i]}" >&2',
    '    done',
    '  fi',
    '  exit "$status"',
    '}',
    'trap on_error ERR',
    '',
  ];
  plan.steps.forEach((step, i) => {
    const title = `${i + 1}. [${step.host}] ${step.description}`;
    out.push(`# ${title}`);
    out.push(`echo ${shellQuote(`>>> ${title}`)} >&2`);
    out.push(step.command);
    if (step.undo !== undefined) out.push(`undo+=(${shellQuote(step.undo)})`);
    if (step.switchover) out.push('switched=yes');
    out.push('');
  });
  out.push(`echo "hostdev-hybrid: ${plan.operation} of ${plan.domain.replace(/["`$\\]/g, '\\$&')} done" >&2`);
  return out.join('\n') + '\n';
}
