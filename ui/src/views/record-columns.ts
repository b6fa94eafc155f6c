// A table's records read like the table: a column per field of the table's schema (Airtable's
// field types), typed — numbers right-aligned and sorted as numbers, dates formatted and sorted
// as dates, checkboxes as ticks, select values and linked records as chips.
import type { IntegrationItem } from "../backend";
import { compareText, formatTime } from "../format";
import type { SortDirection } from "../model";

/** How a column shows and sorts its values. */
export type ColumnKind = "text" | "number" | "date" | "check" | "chips";

export interface Column {
  id: string;
  label: string;
  width: number;
  kind: ColumnKind;
  /** The cell's text (chips: their texts joined). */
  text: (item: IntegrationItem) => string;
  /** The value sorting compares: a number, a time, or text. */
  sortValue?: (item: IntegrationItem) => number | string | null;
  /** For chips: one text per chip. */
  chips?: (item: IntegrationItem) => string[];
}

interface FieldSchema {
  id?: string;
  name: string;
  type?: string;
}

const NUMBER = new Set(["number", "percent", "currency", "rating", "duration", "autoNumber", "count"]);
// Airtable's field types and Notion's property types.
const DATE = new Set(["date", "dateTime", "createdTime", "lastModifiedTime", "created_time", "last_edited_time"]);
const CHIPS = new Set([
  "singleSelect",
  "multipleSelects",
  "multipleRecordLinks",
  "multipleCollaborators",
  "singleCollaborator",
  "multipleLookupValues",
  "select",
  "multi_select",
  "status",
  "people",
  "relation",
  "files",
]);

/** The table item's field schema (`details.fields`), as far as it can be read. */
export function fieldsOf(table: IntegrationItem): FieldSchema[] {
  const fields = table.details?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.flatMap((f) => (f && typeof f === "object" && typeof (f as FieldSchema).name === "string" ? [f as FieldSchema] : []));
}

function kindOf(type: string | undefined): ColumnKind {
  if (!type) return "text";
  if (NUMBER.has(type)) return "number";
  if (DATE.has(type)) return "date";
  if (type === "checkbox") return "check";
  if (CHIPS.has(type)) return "chips";
  return "text";
}

/** One chip's text: a select's name, a collaborator's name, a linked record's id. */
function chipText(value: unknown): string {
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    return String(v.name ?? v.email ?? v.id ?? JSON.stringify(value));
  }
  return String(value);
}

function plain(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(chipText).join(", ");
  return JSON.stringify(value);
}

/** A row's values by field name: a Notion row's `details.properties`, an Airtable record's details. */
function valuesOf(item: IntegrationItem): Record<string, unknown> {
  const properties = item.details?.properties;
  if (properties && typeof properties === "object" && !Array.isArray(properties)) return properties as Record<string, unknown>;
  return item.details ?? {};
}

/** The columns of a table's records: the name (its primary field), then every other field. */
export function recordColumns(table: IntegrationItem): Column[] {
  const primary = typeof table.details?.primaryFieldId === "string" ? table.details.primaryFieldId : null;
  const columns: Column[] = [{ id: "name", label: "Name", width: 260, kind: "text", text: (i) => i.name }];
  for (const field of fieldsOf(table)) {
    // The name column shows the primary field (Airtable's) or the title (Notion's).
    if ((primary && field.id === primary) || field.type === "title") continue;
    const kind = kindOf(field.type);
    const value = (item: IntegrationItem) => valuesOf(item)[field.name];
    const column: Column = { id: `field:${field.name}`, label: field.name, width: kind === "check" ? 90 : kind === "number" ? 110 : 180, kind, text: (i) => plain(value(i)) };
    if (kind === "number") {
      column.sortValue = (i) => (typeof value(i) === "number" ? (value(i) as number) : null);
      column.text = (i) => (typeof value(i) === "number" ? (value(i) as number).toLocaleString("en") : plain(value(i)));
    } else if (kind === "date") {
      column.sortValue = (i) => {
        const t = Date.parse(String(value(i) ?? ""));
        return Number.isNaN(t) ? null : t;
      };
      column.text = (i) => (field.type === "date" ? plain(value(i)) : formatTime(typeof value(i) === "string" ? (value(i) as string) : null));
    } else if (kind === "check") {
      column.text = (i) => (value(i) === true ? "✓" : "");
      column.sortValue = (i) => (value(i) === true ? 1 : 0);
    } else if (kind === "chips") {
      column.chips = (i) => {
        const v = value(i);
        return v === null || v === undefined ? [] : Array.isArray(v) ? v.map(chipText) : [chipText(v)];
      };
    }
    columns.push(column);
  }
  columns.push({ id: "created", label: "Created", width: 150, kind: "date", text: (i) => formatTime(i.creation_time), sortValue: (i) => (i.creation_time ? Date.parse(i.creation_time) : null) });
  return columns;
}

/** Sorts records by `column`: numbers and dates by value, the rest as text; empty cells last. */
export function sortRecords(items: readonly IntegrationItem[], column: Column, direction: SortDirection): IntegrationItem[] {
  const sign = direction === "asc" ? 1 : -1;
  const key = column.sortValue ?? ((i: IntegrationItem) => column.text(i) || null);
  const keyed = items.map((item) => ({ item, value: key(item) }));
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === b.value ? 0 : a.value === null ? 1 : -1;
    if (typeof a.value === "number" && typeof b.value === "number") return sign * (a.value - b.value);
    return sign * compareText(String(a.value), String(b.value));
  });
  return keyed.map((k) => k.item);
}
