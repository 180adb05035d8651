// A small closed/open-loop HTTP load generator for fanout: every request is a distinct, signed
// canonical event (unique event_id, HMAC-SHA256 computed per request), sent over keep-alive
// connections to 127.0.0.1 only. Reports accepted events/s and ack latency percentiles.
//
//   loadgen --port P --secret S [--rate N] [--seconds T] [--connections C] [--batch B] [--path /v1/events, legacy /]
//           [--ids sequential|random] [--format canonical|legacy]
//   --rate 0 = saturation (each connection sends as fast as answers come back).
//   --ids random sends UUID-shaped event ids (as most shops generate them) instead of
//   "<prefix>-<connection>-<n>", which sort next to each other in the spool's event-id index.
//   --format legacy sends the original Worker's body to POST / (one event per request; --batch is ignored), with
//   the label, pixel and measurement ids worker_vs_fanout.sh configures, and a User-Agent and X-Forwarded-For
//   header (the legacy body takes both from the request).
// Latency in open-loop mode is measured from each request's scheduled send time, so a stalled
// server is not hidden (no coordinated omission).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/sha256.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8080;
  std::string secret;
  double rate = 0;
  double seconds = 10;
  int connections = 32;
  int batch = 1;
  std::string path = "/v1/events";
  std::string prefix = "load";
  int clients = 200;  // distinct GA client ids (GA4 batches per client id)
  bool random_ids = false;
  bool legacy = false;  // --format legacy
};

struct Stats {
  std::vector<double> latencies_ms;
  long accepted_events = 0, errors = 0, non2xx = 0;
};

int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1 only, by construction
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Phone numbers as shops and CRMs send them: most already in E.164 (Shopify, Stripe), one in ten in
// US national form and one in ten international with spaces; those two go through libphonenumber.
std::string phone_for(long n) {
  char buf[32];
  if (n % 10 == 3)
    std::snprintf(buf, sizeof buf, "(650) 555-%04ld", n % 10000);
  else if (n % 10 == 7)
    std::snprintf(buf, sizeof buf, "+44 7911 %06ld", n % 1000000);
  else
    std::snprintf(buf, sizeof buf, "+1650555%04ld", n % 10000);
  return buf;
}

// A UUID-shaped id derived from the sequential one: as unique, but scattered across the id index.
std::string uuid_like(const std::string& sequential) {
  const std::string h = fanout::sha256_hex(sequential);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) + "-" +
         h.substr(20, 12);
}

std::string event_json(const Options& o, const std::string& sequential_id, long n, long now_s) {
  const std::string id = o.random_ids ? uuid_like(sequential_id) : sequential_id;
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"event_id":"%s","event_name":"purchase","event_time":%ld,"event_source_url":"https://shop.example.com/done",)"
      R"("user":{"email":"user%ld@example.com","phone":"%s","ip":"203.0.113.7","user_agent":"Mozilla/5.0 load"},)"
      R"("ids":{"fbclid":"IwAR%ld","gclid":"Cj0K%ld","msclkid":"4a5b6c7d-1234-4abc-9def-%012ld","ttclid":"E.C.P.%ld",)"
      R"("ga_client_id":"%d.1700000000"},"value":%ld.5,"currency":"USD","order_id":"o-%s"})",
      id.c_str(), now_s, n, phone_for(n).c_str(), n, n, n, n, static_cast<int>(1000000 + n % o.clients), n % 500,
      id.c_str());
  return buf;
}

// The same event in the original Worker's body: the same email and phone mix, plus the name, user id and cookies
// that body carries.
std::string legacy_json(const Options& o, const std::string& sequential_id, long n) {
  const std::string id = o.random_ids ? uuid_like(sequential_id) : sequential_id;
  char buf[1024];
  std::snprintf(
      buf, sizeof buf,
      R"({"data":{"metaEvent":"Purchase","gaEvent":"purchase","gadsConversionLabel":"ABC123",)"
      R"("eventUrl":"https://shop.example.com/done","eventId":"%s","userId":"u-%d",)"
      R"("userData":{"email":"user%ld@example.com","phone":"%s","name":"Load User"},)"
      R"("cookieFbp":"fb.1.1700000000.%ld","cookieFbc":"fb.1.1700000000.IwAR%ld","cookieGclid":"Cj0K%ld"},)"
      R"("meta":{"metaPixelId":"1234567890123456","metaTestCode":null,"gaMeasurementId":"G-BENCH1234"}})",
      id.c_str(), static_cast<int>(1000000 + n % o.clients), n, phone_for(n).c_str(), n, n, n);
  return buf;
}

// Reads one HTTP response (Content-Length framed); returns the status or -1.
int read_response(int fd, std::string& buf) {
  while (true) {
    size_t head_end = buf.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      int status = std::atoi(buf.c_str() + 9);
      size_t cl = 0;
      size_t pos = buf.find("ontent-Length:");
      if (pos == std::string::npos) pos = buf.find("ontent-length:");
      if (pos != std::string::npos && pos < head_end) cl = std::strtoul(buf.c_str() + pos + 14, nullptr, 10);
      size_t total = head_end + 4 + cl;
      if (buf.size() >= total) {
        buf.erase(0, total);
        return status;
      }
    }
    char tmp[16384];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return -1;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

void worker(const Options& o, int index, Clock::time_point start, Stats& stats) {
  int fd = connect_loopback(o.port);
  if (fd < 0) {
    stats.errors++;
    return;
  }
  std::string inbuf;
  double per_conn_rate = o.rate / o.connections;
  auto end = start + std::chrono::duration<double>(o.seconds);
  long seq = 0;
  while (true) {
    Clock::time_point scheduled = Clock::now();
    if (per_conn_rate > 0) {
      scheduled = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>((seq + (index / double(o.connections))) / per_conn_rate));
      if (scheduled >= end) break;
      std::this_thread::sleep_until(scheduled);
    } else if (scheduled >= end) {
      break;
    }
    long now_s = static_cast<long>(std::time(nullptr));
    std::string body;
    if (o.legacy) {
      long n = static_cast<long>(index) * 100000000L + seq;
      body = legacy_json(o, o.prefix + "-" + std::to_string(index) + "-" + std::to_string(seq), n);
    } else if (o.batch == 1) {
      long n = static_cast<long>(index) * 100000000L + seq;
      body = event_json(o, o.prefix + "-" + std::to_string(index) + "-" + std::to_string(seq), n, now_s);
    } else {
      body = "{\"events\":[";
      for (int b = 0; b < o.batch; ++b) {
        long n = (static_cast<long>(index) * 100000000L + seq) * o.batch + b;
        body +=
            (b ? "," : "") +
            event_json(o, o.prefix + "-" + std::to_string(index) + "-" + std::to_string(seq) + "-" + std::to_string(b),
                       n, now_s);
      }
      body += "]}";
    }
    std::string sig = fanout::hmac_sha256_hex(o.secret, body);
    std::string req = "POST " + o.path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                      (o.legacy ? "User-Agent: Mozilla/5.0 load\r\nX-Forwarded-For: 203.0.113.7\r\n" : "") + "X-CRM-Signature: " + sig +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      stats.errors++;
      break;
    }
    int status = read_response(fd, inbuf);
    auto done = Clock::now();
    if (status < 0) {
      stats.errors++;
      break;
    }
    if (status >= 200 && status < 300) {
      stats.accepted_events += o.legacy ? 1 : o.batch;
      stats.latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - scheduled).count());
    } else {
      stats.non2xx++;
    }
    ++seq;
  }
  close(fd);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool path_given = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = std::atoi(v.c_str());
    else if (k == "--secret")
      o.secret = v;
    else if (k == "--rate")
      o.rate = std::atof(v.c_str());
    else if (k == "--seconds")
      o.seconds = std::min(120.0, std::atof(v.c_str()));  // always bounded
    else if (k == "--connections")
      o.connections = std::max(1, std::atoi(v.c_str()));
    else if (k == "--batch")
      o.batch = std::max(1, std::atoi(v.c_str()));
    else if (k == "--path")
      path_given = true, o.path = v;
    else if (k == "--prefix")
      o.prefix = v;
    else if (k == "--clients")
      o.clients = std::max(1, std::atoi(v.c_str()));
    else if (k == "--ids" && (v == "random" || v == "sequential"))
      o.random_ids = v == "random";
    else if (k == "--format" && (v == "legacy" || v == "canonical"))
      o.legacy = v == "legacy";
    else
      return std::fprintf(stderr, "unknown option %s\n", k.c_str()), 2;
  }
  if (o.legacy && !path_given) o.path.assign(1, '/');  // the Worker's route (assign: GCC 12 warns falsely on = "/")
  std::vector<Stats> stats(o.connections);
  std::vector<std::thread> threads;
  auto start = Clock::now() + std::chrono::milliseconds(100);
  for (int i = 0; i < o.connections; ++i) threads.emplace_back(worker, std::cref(o), i, start, std::ref(stats[i]));
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Stats all;
  for (auto& s : stats) {
    all.accepted_events += s.accepted_events;
    all.errors += s.errors;
    all.non2xx += s.non2xx;
    all.latencies_ms.insert(all.latencies_ms.end(), s.latencies_ms.begin(), s.latencies_ms.end());
  }
  double p50 = percentile(all.latencies_ms, 0.50), p99 = percentile(all.latencies_ms, 0.99),
         p999 = percentile(all.latencies_ms, 0.999);
  // The load generator's own CPU (all its threads), so a run can say what it took of the machine.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu_s = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf(
      "{\"offered_rate\":%.0f,\"seconds\":%.2f,\"accepted_events\":%ld,\"accepted_per_s\":%.0f,\"requests\":%zu,"
      "\"non2xx\":%ld,\"errors\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"cpu_s\":%.3f}\n",
      o.rate, elapsed, all.accepted_events, all.accepted_events / elapsed, all.latencies_ms.size(), all.non2xx,
      all.errors, p50, p99, p999, cpu_s);
  return 0;
}
