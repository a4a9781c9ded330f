import { describe, expect, it } from "vitest";
import { literalAddress, refusedAddress, refusedHostname } from "./address.ts";

describe("webhook target addresses", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.10", "private"],
    ["169.254.169.254", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.100.100.200", "carrier-grade NAT"],
    ["192.0.0.192", "IETF protocol"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "unique local"],
    ["fd00:ec2::254", "unique local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:a9fe:a9fe", "link-local"],
    ["::ffff:10.0.0.1", "private"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:c0a8:0101::1", "private"],
  ])("refuses %s (%s)", (address, what) => {
    expect(refusedAddress(address)).toContain(what);
  });

  it.each(["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "169.255.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1"])(
    "lets a public address through: %s",
    (address) => {
      expect(refusedAddress(address)).toBeNull();
    },
  );

  it("refuses names that are the machine itself or a metadata service, before any lookup", () => {
    expect(refusedHostname("localhost")).toContain("localhost");
    expect(refusedHostname("LOCALHOST.")).toContain("localhost");
    expect(refusedHostname("api.localhost")).toContain("localhost");
    expect(refusedHostname("metadata.google.internal")).toContain("metadata");
    expect(refusedHostname("hooks.example.com")).toBeNull();
  });

  it("reads the host of a URL as an address only when it is one, as URL writes it", () => {
    expect(literalAddress(new URL("http://[::ffff:127.0.0.1]/").hostname)).toBe("::ffff:7f00:1");
    expect(literalAddress(new URL("http://2130706433/").hostname)).toBe("127.0.0.1");
    expect(literalAddress(new URL("http://0x7f.1/").hostname)).toBe("127.0.0.1");
    expect(literalAddress("hooks.example.com")).toBeNull();
  });
});
