#!/usr/bin/env node
// Validate Kubernetes objects against the Kubernetes OpenAPI schema, offline.
//
//   node k8s-validate.mjs [--list] FILE...   (YAML, multi-document, or JSON; "-" = stdin)
//
// --list: on success print "Kind/name@namespace" per object instead of "ok" lines.
//
// Two checks per object (every document with apiVersion and kind):
//  1. schema: the kubernetes-models class for apiVersion/kind, .validate()
//     (types, enums, formats such as quantities, required fields);
//  2. strict fields: every key must be a field of its type. The generated
//     schema tolerates unknown keys, but the API server's strict decoding
//     and gitlab-runner's json.Unmarshal into api.PodSpec drop them, so a
//     typo in a pod_spec patch would vanish without a word. The field lists
//     come from the .d.ts files of the same packages.
// Prints one line per object; exits 1 if any object fails, 2 on usage errors.
//
// Needs test/deploy/node/node_modules (scripts/install-k8s-tools).
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeDir = path.resolve(here, "../node");
const require = createRequire(path.join(nodeDir, "package.json"));
let YAML;
try {
	YAML = require("yaml");
	require.resolve("kubernetes-models/v1");
} catch (e) {
	console.error(`k8s-validate: the validator is not installed in ${nodeDir}; run scripts/install-k8s-tools (${e.message})`);
	process.exit(2);
}

// --- field lists from the .d.ts files --------------------------------------
const modelsRoot = path.dirname(require.resolve("kubernetes-models/package.json"));
const apimRoot = path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json"));

const interfaces = new Map(); // global alias (IIoK8s...) -> {props: Map(name -> type), ext: [..]}

function stripComments(s) {
	return s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

// Split an interface body at top-level ';' into "name?: type" members.
function members(body) {
	const out = [];
	let depth = 0, cur = "";
	for (const ch of body) {
		if ("{<([".includes(ch)) depth++;
		if ("}>)]".includes(ch)) depth--;
		if (ch === ";" && depth === 0) {
			if (cur.trim()) out.push(cur.trim());
			cur = "";
		} else cur += ch;
	}
	if (cur.trim()) out.push(cur.trim());
	return out;
}

function parseDts(file) {
	const src = stripComments(fs.readFileSync(file, "utf8"));
	const local = new Map();
	const re = /export interface (\w+)(?:\s+extends\s+([^{]+))?\s*\{/g;
	let m;
	while ((m = re.exec(src))) {
		let i = re.lastIndex, depth = 1;
		while (depth > 0 && i < src.length) {
			if (src[i] === "{") depth++;
			else if (src[i] === "}") depth--;
			i++;
		}
		const body = src.slice(re.lastIndex, i - 1);
		const props = new Map();
		for (const mem of members(body)) {
			const pm = /^"?([^"?:]+)"?\??\s*:\s*([\s\S]+)$/.exec(mem);
			if (pm) props.set(pm[1], pm[2].replace(/\s+/g, " ").trim());
		}
		const ext = (m[2] || "").split(",").map((s) => s.trim()).filter(Boolean);
		local.set(m[1], { props, ext });
	}
	const ex = /export (?:type )?\{([^}]*)\}/g;
	while ((m = ex.exec(src))) {
		for (const part of m[1].split(",")) {
			const am = /(\w+)\s+as\s+(\w+)/.exec(part.trim());
			if (am && local.has(am[1])) interfaces.set(am[2], local.get(am[1]));
		}
	}
	return local;
}

function walkDir(dir, cb) {
	for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, ent.name);
		if (ent.isDirectory()) {
			if (ent.name !== "node_modules" && ent.name !== "_schemas") walkDir(p, cb);
		} else if (ent.name.endsWith(".d.ts")) cb(p);
	}
}
const byFile = new Map();
for (const root of [modelsRoot, apimRoot]) walkDir(root, (f) => byFile.set(f, parseDts(f)));

// Resolve a member type string to a checker shape.
function shape(t) {
	t = t.trim();
	let m;
	if ((m = /^Array<([\s\S]+)>$/.exec(t))) return { kind: "array", of: shape(m[1]) };
	if ((m = /^\{ ?\[key: string\]: ([\s\S]+?);? ?\}$/.exec(t))) return { kind: "map", of: shape(m[1]) };
	if (/^\w+$/.test(t) && interfaces.has(t)) return { kind: "object", name: t };
	return { kind: "leaf" };
}

function propsOf(name) {
	const it = interfaces.get(name);
	const props = new Map(it.props);
	if (it.ext.some((e) => e.startsWith("TypeMeta"))) {
		props.set("apiVersion", "string");
		props.set("kind", "string");
	}
	return props;
}

function strict(value, shp, where, errors) {
	if (value === null || value === undefined) return;
	if (shp.kind === "array" && Array.isArray(value)) value.forEach((v, i) => strict(v, shp.of, `${where}[${i}]`, errors));
	else if (shp.kind === "map" && typeof value === "object") for (const [k, v] of Object.entries(value)) strict(v, shp.of, `${where}.${k}`, errors);
	else if (shp.kind === "object" && typeof value === "object" && !Array.isArray(value)) {
		const props = propsOf(shp.name);
		for (const [k, v] of Object.entries(value)) {
			if (!props.has(k)) {
				errors.push(`${where}: unknown field "${k}" (${shp.name.replace(/^IIoK8s/, "")} has: ${[...props.keys()].sort().join(", ")})`);
				continue;
			}
			strict(v, shape(props.get(k)), `${where}.${k}`, errors);
		}
	}
}

// --- the objects -----------------------------------------------------------
async function modelFor(apiVersion, kind) {
	const gv = apiVersion.includes("/") ? apiVersion : `v1`;
	let mod;
	try {
		mod = require(`kubernetes-models/${gv}`);
	} catch {
		return null;
	}
	const cls = mod[kind];
	if (!cls) return null;
	// the interface for the strict check: the file <gv>/<Kind>.d.ts
	const local = byFile.get(path.join(modelsRoot, gv, `${kind}.d.ts`));
	let alias = null;
	if (local) for (const [a, it] of interfaces) if (it === local.get(`I${kind}`)) alias = a;
	return { cls, alias };
}

function readDocs(file) {
	const text = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
	return YAML.parseAllDocuments(text).map((d) => {
		if (d.errors.length) throw new Error(`${file}: YAML error: ${d.errors[0].message}`);
		return d.toJS();
	});
}

let files = process.argv.slice(2);
const list = files[0] === "--list";
if (list) files = files.slice(1);
if (!files.length) {
	console.error("usage: k8s-validate.mjs FILE... (YAML or JSON; - for stdin)");
	process.exit(2);
}
let failed = 0, checked = 0;
for (const file of files) {
	let docs;
	try {
		docs = readDocs(file);
	} catch (e) {
		console.error(`FAIL ${e.message}`);
		failed++;
		continue;
	}
	for (const doc of docs) {
		if (!doc || typeof doc !== "object") continue;
		const items = doc.kind === "List" && Array.isArray(doc.items) ? doc.items : [doc];
		for (const obj of items) {
			const id = `${obj.kind}/${obj.metadata?.name ?? "?"}`;
			if (!obj.apiVersion || !obj.kind) {
				console.error(`FAIL ${file}: a document without apiVersion/kind`);
				failed++;
				continue;
			}
			const model = await modelFor(obj.apiVersion, obj.kind);
			if (!model) {
				console.error(`FAIL ${file}: ${id}: no schema for ${obj.apiVersion} ${obj.kind}`);
				failed++;
				continue;
			}
			const errors = [];
			try {
				new model.cls(obj).validate();
			} catch (e) {
				errors.push(`schema: ${e.message}`);
			}
			if (model.alias) strict(obj, { kind: "object", name: model.alias }, obj.kind, errors);
			else errors.push(`no field list for ${obj.apiVersion} ${obj.kind} (strict check impossible)`);
			checked++;
			if (errors.length) {
				failed++;
				console.error(`FAIL ${file}: ${id}`);
				for (const e of errors) console.error(`  ${e}`);
			} else if (list) console.log(`${id}@${obj.metadata?.namespace ?? ""}`);
			else console.log(`ok   ${file}: ${id} (${obj.apiVersion}) schema + strict fields`);
		}
	}
}
if (!checked && !failed) {
	console.error("FAIL no Kubernetes objects found in " + files.join(" "));
	process.exit(1);
}
process.exit(failed ? 1 : 0);
