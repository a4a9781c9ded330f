/** The Python-flavoured strings LiteLLM puts on the wire (CONTRACT §0 "Error envelope", §2 budget messages). */
import { describe, expect, it } from "vitest";
import { pyFloat, pyJsonDumps, pyRepr } from "./python.ts";

describe("Python formatting", () => {
  it("§0 HE message: str(dict) is the Python repr", () => {
    expect(pyRepr({ error: "No keys found" })).toBe("{'error': 'No keys found'}");
    expect(pyRepr({ error: "must start with 'sk-'" })).toBe(`{'error': "must start with 'sk-'"}`);
    expect(pyRepr({ a: null, b: true, c: [1, "x"] })).toBe("{'a': None, 'b': True, 'c': [1, 'x']}");
  });

  it("§2 budget messages: str(float) as Python prints it", () => {
    expect(pyFloat(5)).toBe("5.0");
    expect(pyFloat(0)).toBe("0.0");
    expect(pyFloat(1.5)).toBe("1.5");
    expect(pyFloat(0.0001)).toBe("0.0001");
    expect(pyFloat(0.00001)).toBe("1e-05");
    expect(pyFloat(2.5e-7)).toBe("2.5e-07");
    expect(pyFloat(1e16)).toBe("1e+16");
    expect(pyFloat(123456.789)).toBe("123456.789");
  });

  it("§1 /key/update: dict fields come back as json.dumps strings", () => {
    expect(pyJsonDumps({ a: 1, b: [1, 2], c: { d: "é" } })).toBe('{"a": 1, "b": [1, 2], "c": {"d": "\\u00e9"}}');
  });
});
