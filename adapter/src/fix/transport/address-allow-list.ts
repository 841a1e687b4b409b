/** Remote-address allow-lists in CIDR form, IPv4 and IPv6, using node:net's BlockList. */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export class AddressAllowList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly string[] = []) {
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const [address, prefix] = cidr.split('/');
      const bits = Number(prefix);
      if (!address || !Number.isInteger(bits)) throw new Error(`allowed address ${cidr} is not CIDR`);
      if (isIPv4(address)) this.list.addSubnet(address, bits, 'ipv4');
      else if (isIPv6(address)) this.list.addSubnet(address, bits, 'ipv6');
      else throw new Error(`allowed address ${cidr} is not CIDR`);
    }
  }

  /** Everything is allowed when the list is empty. IPv4-mapped IPv6 addresses count as IPv4. */
  allows(address: string | undefined): boolean {
    if (this.empty) return true;
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return this.list.check(mapped[1]!, 'ipv4');
    return isIPv4(address) ? this.list.check(address, 'ipv4') : this.list.check(address, 'ipv6');
  }
}
