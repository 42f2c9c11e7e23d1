// Validates the manifests of deploy/k8s offline: every object against the Kubernetes API schema
// of its kind (kubernetes-models, generated from the Kubernetes OpenAPI document), then the
// references between them: selectors that match pod labels, named ports that exist, ConfigMaps
// that are part of the set. Exits non-zero with one line per problem.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const base = join(dirname(fileURLToPath(import.meta.url)), "..", "k8s");
const kustomization = yaml.load(readFileSync(join(base, "kustomization.yaml"), "utf8"));
const problems = [];
const objects = [];

for (const file of kustomization.resources) {
  for (const doc of yaml.loadAll(readFileSync(join(base, file), "utf8"))) {
    if (doc) objects.push({ file, doc });
  }
}

for (const { file, doc } of objects) {
  const where = `${file}: ${doc.kind}/${doc.metadata?.name}`;
  const [group, version] = doc.apiVersion.includes("/")
    ? doc.apiVersion.split("/")
    : [null, doc.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  let Model;
  try {
    Model = (await import(module))[doc.kind];
  } catch (e) {
    Model = undefined;
  }
  if (!Model) {
    problems.push(`${where}: no schema for ${doc.apiVersion} ${doc.kind}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    problems.push(`${where}: ${e.message}`);
  }
}

const byKind = (kind) => objects.map((o) => o.doc).filter((d) => d.kind === kind);
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const podLabels = byKind("Deployment").map((d) => d.spec.template.metadata.labels);
const configMaps = new Set(byKind("ConfigMap").map((c) => c.metadata.name));
const secrets = new Set();

for (const d of byKind("Deployment")) {
  const name = d.metadata.name;
  if (!matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)) {
    problems.push(`Deployment/${name}: selector does not match its pod labels`);
  }
  for (const c of d.spec.template.spec.containers) {
    const ports = new Set((c.ports ?? []).map((p) => p.name));
    for (const kind of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const probe = c[kind];
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      if (typeof port === "string" && !ports.has(port)) {
        problems.push(`Deployment/${name}: ${kind} uses port ${port}, not declared`);
      }
    }
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef && !configMaps.has(ref.configMapRef.name)) {
        problems.push(`Deployment/${name}: ConfigMap ${ref.configMapRef.name} is not in the set`);
      }
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef) {
        secrets.add(`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      }
    }
  }
}
for (const kind of ["Service", "PodDisruptionBudget"]) {
  for (const o of byKind(kind)) {
    const selector = kind === "Service" ? o.spec.selector : o.spec.selector.matchLabels;
    if (!podLabels.some((labels) => matches(selector, labels))) {
      problems.push(`${kind}/${o.metadata.name}: selects no pod of the set`);
    }
  }
}

for (const p of problems) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`${objects.length} objects valid; Secrets to create first (name/key):`);
for (const s of [...secrets].sort()) console.log(`  ${s}`);
