// Prometheus metrics of the Node gateway, served at GET /metrics on the health listener,
// where Apollo Router serves its own (router/router.yaml). The names and labels are the
// router's, so that one set of recording rules, alerts and dashboards serves both gateways:
//   http_server_request_duration_seconds{http_request_method,http_response_status_code}
//   http_client_request_duration_seconds{subgraph_name}          (fetches to the subgraphs)
//   apollo_router_graphql_error_total{code}                      (errors in responses)
//   shopgraph_gateway_operation_duration_seconds{graphql_operation_name,graphql_operation_type}
//                                         (router.yaml's custom instrument of the same name)
// plus the process's CPU and memory. No dependency: the text format is small.

// The router's default histogram buckets.
export const BUCKETS = [0.001, 0.005, 0.015, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 5, 10];
// Operation names are client-chosen: only this many distinct ones become labels.
export const MAX_OPERATION_NAMES = 100;

const escape = (v) => String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (names, values) =>
  names.length ? `{${names.map((n, i) => `${n}="${escape(values[i])}"`).join(',')}}` : '';

class Family {
  constructor(name, help, type, labelNames) {
    Object.assign(this, { name, help, type, labelNames, series: new Map() });
  }

  child(labels) {
    const values = this.labelNames.map((n) => String(labels[n] ?? ''));
    const key = JSON.stringify(values);
    let found = this.series.get(key);
    if (!found) {
      found = this.fresh(values);
      this.series.set(key, found);
    }
    return found;
  }

  header() {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n`;
  }
}

class CounterFamily extends Family {
  constructor(name, help, labelNames = []) {
    super(name, help, 'counter', labelNames);
  }

  fresh(values) {
    return { values, value: 0 };
  }

  inc(labels = {}, by = 1) {
    this.child(labels).value += by;
  }

  render() {
    let text = this.header();
    for (const { values, value } of this.series.values()) {
      text += `${this.name}${labelText(this.labelNames, values)} ${value}\n`;
    }
    return text;
  }
}

class HistogramFamily extends Family {
  constructor(name, help, labelNames = [], buckets = BUCKETS) {
    super(name, help, 'histogram', labelNames);
    this.buckets = buckets;
  }

  fresh(values) {
    return { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels, seconds) {
    const series = this.child(labels);
    this.buckets.forEach((le, i) => {
      if (seconds <= le) series.counts[i] += 1;
    });
    series.sum += seconds;
    series.count += 1;
  }

  render() {
    let text = this.header();
    const names = [...this.labelNames, 'le'];
    for (const { values, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((le, i) => {
        text += `${this.name}_bucket${labelText(names, [...values, le])} ${counts[i]}\n`;
      });
      text += `${this.name}_bucket${labelText(names, [...values, '+Inf'])} ${count}\n`;
      text += `${this.name}_sum${labelText(this.labelNames, values)} ${sum}\n`;
      text += `${this.name}_count${labelText(this.labelNames, values)} ${count}\n`;
    }
    return text;
  }
}

export class GatewayMetrics {
  constructor({ maxOperationNames = MAX_OPERATION_NAMES } = {}) {
    this.requests = new HistogramFamily(
      'http_server_request_duration_seconds',
      'Time to answer a request to /graphql, by method and HTTP status.',
      ['http_request_method', 'http_response_status_code'],
    );
    this.fetches = new HistogramFamily(
      'http_client_request_duration_seconds',
      'Time a subgraph took to answer one fetch (failures included), by subgraph.',
      ['subgraph_name'],
    );
    this.errors = new CounterFamily(
      'apollo_router_graphql_error_total',
      'GraphQL errors in responses, by extensions.code.',
      ['code'],
    );
    this.operations = new HistogramFamily(
      'shopgraph_gateway_operation_duration_seconds',
      'Time to serve a GraphQL operation, by operation name and type.',
      ['graphql_operation_name', 'graphql_operation_type'],
    );
    this.maxOperationNames = maxOperationNames;
    this.operationNames = new Set();
  }

  /** A bounded label for a client-chosen operation name. */
  operationLabel(name) {
    if (!name) return '';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size < this.maxOperationNames) {
      this.operationNames.add(name);
      return name;
    }
    return 'other';
  }

  observeOperation(name, type, seconds) {
    this.operations.observe(
      { graphql_operation_name: this.operationLabel(name), graphql_operation_type: type || '' },
      seconds,
    );
  }

  render() {
    const cpu = process.cpuUsage();
    const process_ =
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n' +
      '# TYPE process_cpu_seconds_total counter\n' +
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}\n` +
      '# HELP process_resident_memory_bytes Resident memory size in bytes.\n' +
      '# TYPE process_resident_memory_bytes gauge\n' +
      `process_resident_memory_bytes ${process.memoryUsage().rss}\n`;
    return [this.requests, this.fetches, this.errors, this.operations].map((f) => f.render()).join('') + process_;
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
