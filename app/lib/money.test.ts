import { describe, expect, it } from "vitest";
import { clampMoney, money, moneyNumber, moneyString } from "./money.ts";

describe("exact money", () => {
  it("adds what floating point gets wrong", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(moneyString(money("0.1") + money("0.2"))).toBe("0.3");
    let sum = 0n;
    for (let i = 0; i < 1000; i++) sum += money("0.0000015");
    expect(moneyString(sum)).toBe("0.0015");
  });

  it("parses numbers, strings, exponents and signs, and prints them back", () => {
    expect(moneyString(money(100))).toBe("100");
    expect(moneyString(money("-12.50"))).toBe("-12.5");
    expect(moneyString(money(1e-5))).toBe("0.00001");
    expect(moneyString(money("1.5e-7"))).toBe("0.00000015");
    expect(moneyNumber(money("84.5"))).toBe(84.5);
    expect(moneyString(clampMoney(money(5), 0n, money(3)))).toBe("3");
    expect(() => money("lots")).toThrow("Not a decimal amount");
  });
});
