import { describe, expect, it } from "vitest";
import { InlineTask } from "../../crds/run.ts";
import { AppCommand, appCommandTask } from "./app-command.ts";

const app = {
  image: "registry.example.com/acme/shop-api:1.4.2",
  env: [
    { name: "LOG_LEVEL", value: "info" },
    { name: "REGION", value: "eu" },
  ],
  secretEnv: [
    { name: "DATABASE_URL", secretKey: "DATABASE_URL" },
    { name: "API_KEY", secretKey: "API_KEY" },
  ],
  resources: { cpu: "250m", memory: "256Mi" },
};

describe("appCommandTask", () => {
  it("runs the command with the App's image, env, secret env and resources", () => {
    const task = appCommandTask(app, AppCommand.parse({ name: "shop-api", command: ["./manage", "migrate"] }));
    expect(task).toEqual({
      image: app.image,
      command: ["./manage", "migrate"],
      env: app.env,
      secretEnv: app.secretEnv,
      resources: app.resources,
    });
    expect(InlineTask.safeParse(task).success).toBe(true);
  });

  it("lets the caller's image, env, resources, timeout and annotations win", () => {
    const task = appCommandTask(
      app,
      AppCommand.parse({
        name: "shop-api",
        command: ["sh", "-c", "exit 3"],
        image: "registry.example.com/acme/shop-api:1.5.0",
        env: [
          { name: "LOG_LEVEL", value: "debug" },
          { name: "API_KEY", value: "test-key" },
          { name: "EXTRA", value: "1" },
        ],
        resources: { cpu: "1" },
        timeout: "15m",
        podAnnotations: { "sidecar.istio.io/inject": "false" },
      }),
    );
    expect(task.image).toBe("registry.example.com/acme/shop-api:1.5.0");
    expect(task.env).toEqual([
      { name: "LOG_LEVEL", value: "debug" },
      { name: "REGION", value: "eu" },
      { name: "API_KEY", value: "test-key" },
      { name: "EXTRA", value: "1" },
    ]);
    // API_KEY is plain now: a container's env holds each name once.
    expect(task.secretEnv).toEqual([{ name: "DATABASE_URL", secretKey: "DATABASE_URL" }]);
    expect(task.resources).toEqual({ cpu: "1" });
    expect(task.timeout).toBe("15m");
    expect(task.podAnnotations).toEqual({ "sidecar.istio.io/inject": "false" });
    expect(InlineTask.safeParse(task).success).toBe(true);
  });

  it("refuses an empty command", () => {
    expect(AppCommand.safeParse({ name: "shop-api", command: [] }).success).toBe(false);
  });
});
