// Parses every PromQL expression of deploy/prometheus/alerts.yml and of the Grafana dashboard
// with the Prometheus project's own PromQL grammar, offline; exits non-zero with one line per
// expression that does not parse. Grafana's variables are replaced by values of their kind first.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { parser } from "@prometheus-io/lezer-promql";

const deploy = join(dirname(fileURLToPath(import.meta.url)), "..");
const expressions = [];

const rules = yaml.load(readFileSync(join(deploy, "prometheus", "alerts.yml"), "utf8"));
for (const group of rules.groups) {
  for (const rule of group.rules) {
    if (!rule.alert || !rule.expr || !rule.annotations?.runbook) {
      expressions.push({ where: `alerts.yml: ${rule.alert}`, problem: "needs alert, expr, runbook" });
    }
    expressions.push({ where: `alerts.yml: ${rule.alert}`, expr: rule.expr });
  }
}

const dashboard = JSON.parse(
  readFileSync(join(deploy, "grafana", "saga-coordinator.json"), "utf8"),
);
for (const panel of dashboard.panels) {
  for (const target of panel.targets ?? []) {
    const expr = target.expr.replaceAll("$__rate_interval", "5m").replaceAll("$type", ".*");
    expressions.push({ where: `dashboard: ${panel.title} ${target.refId}`, expr });
  }
}

const problems = [];
for (const { where, expr, problem } of expressions) {
  if (problem) {
    problems.push(`${where}: ${problem}`);
    continue;
  }
  const tree = parser.parse(expr);
  let bad = null;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError && bad === null) bad = node.from;
    },
  });
  if (bad !== null) problems.push(`${where}: syntax error at ${bad} in ${expr}`);
}
for (const p of problems) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`${expressions.length} PromQL expressions parse`);
