/** Spans in the file exporter's output (OTLP/JSON export requests, one per line). */

type Attr = { key: string; value: { stringValue?: string } };

/** Span ids by trace id, optionally only from resources whose service.name is `serviceName`. */
export function spansInFile(requests: any[], serviceName?: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const req of requests) {
    for (const rs of req.resourceSpans ?? []) {
      const name = (rs.resource?.attributes as Attr[] | undefined)?.find((a) => a.key === 'service.name')?.value.stringValue;
      if (serviceName !== undefined && name !== serviceName) continue;
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const set = out.get(s.traceId) ?? new Set<string>();
          set.add(s.spanId);
          out.set(s.traceId, set);
        }
      }
    }
  }
  return out;
}

/** The trace ids of {@link spansInFile}. */
export function traceIdsInFile(requests: any[], serviceName?: string): Set<string> {
  return new Set(spansInFile(requests, serviceName).keys());
}
