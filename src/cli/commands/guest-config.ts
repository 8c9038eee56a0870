import { guestNetworkConfig, type GuestFormat } from '../../guest/config.js';
import { printWarnings } from './shared.js';
import { readHostSnapshot } from '../../io.js';
import { positionals, usageError, type Command } from '../command.js';
import { emit, readInput, writeOutDir } from '../output.js';

export const guestConfig: Command = {
  name: 'guest-config',
  summary: "Write the guest's network configuration: a bond per pair (bond style), or teaming's failover device.",
  args: ['DOMAIN.xml'],
  options: {
    host: {
      type: 'string',
      multiple: true,
      value: 'DIR',
      help: "a host snapshot the guest runs on or may move to (repeatable): match each VF port by those hosts' VF drivers, not the whole list",
    },
    format: { type: 'string', value: 'netplan|nm|networkd|ifupdown', help: 'netplan is cloud-init network-config v2', default: 'netplan' },
    static: { type: 'string', value: 'ADDR/PREFIX', help: 'static IPv4 address of the first bond (default DHCP)' },
    gateway: { type: 'string', value: 'GW', help: 'with --static: the default gateway' },
    dns: { type: 'string', multiple: true, value: 'ADDR', help: 'with --static: a DNS server (repeatable)' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'write the one file of a one-file format (netplan) to FILE' },
    'out-dir': { type: 'string', value: 'DIR', help: 'write every file under DIR, at its place in the guest (DIR/etc/…)' },
  },
  description:
    "For an expanded domain (DOMAIN.xml may be -): each pair's two NICs matched by MAC and driver\n(virtio_net for the backup, the VF's driver for the VF), named hhNvf and hhNvirtio, and bonded as\nbondN: active-backup, the VF primary, MII monitoring, fail_over_mac=active. Teaming style: the\nkernel's failover device hhN gets the address, its two lower devices none. docs/GUEST.md says where\nthe files go. Without -o or --out-dir, every file is printed, each after a \"# ==> PATH <==\" line.",
  example: 'virsh dumpxml vm | hostdev-hybrid guest-config - --host hosts/a --host hosts/b --format netplan -o network-config',
  run(parsed, io) {
    const [file] = positionals(this, parsed);
    const format = (parsed.values.format ?? 'netplan') as GuestFormat;
    if (!['netplan', 'nm', 'networkd', 'ifupdown'].includes(format))
      throw usageError(`--format must be netplan, nm, networkd or ifupdown, not '${format}'`, this.name);
    const address = parsed.values.static as string | undefined;
    if (address === undefined && (parsed.values.gateway !== undefined || parsed.values.dns !== undefined))
      throw usageError('--gateway and --dns go with --static', this.name);
    const hosts = ((parsed.values.host ?? []) as string[]).map((dir) => readHostSnapshot(dir));
    const { text } = readInput(io, file!);
    const config = guestNetworkConfig(text, {
      format,
      ...(hosts.length > 0 ? { host: hosts } : {}),
      ...(address !== undefined
        ? {
            static: {
              address,
              ...(typeof parsed.values.gateway === 'string' ? { gateway: parsed.values.gateway } : {}),
              ...(parsed.values.dns ? { dns: parsed.values.dns as string[] } : {}),
            },
          }
        : {}),
    });
    const paths = Object.keys(config.files);
    const outDir = parsed.values['out-dir'] as string | undefined;
    const output = parsed.values.output as string | undefined;
    if (outDir !== undefined && output !== undefined) throw usageError('give -o or --out-dir, not both', this.name);
    if (outDir !== undefined) writeOutDir(outDir, config.files);
    else if (output !== undefined && output !== '-') {
      if (paths.length !== 1) throw usageError(`format ${format} writes ${paths.length} files: use --out-dir DIR`, this.name);
      emit(io, config.files[paths[0]!]!, output, file);
    } else if (paths.length === 1) io.stdout(config.files[paths[0]!]!);
    else for (const p of paths) io.stdout(`# ==> ${p} <==\n${config.files[p]}\n`);
    printWarnings(io, config.warnings);
    return 0;
  },
};
