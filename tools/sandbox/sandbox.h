#pragma once
// A loopback fake of the five ad platforms (`fanout sandbox`, `fanout demo`, integration tests, load
// benchmark). Each platform lives under a path prefix followed by its real path, so fanout's base_url for
// a destination is base_url("meta") etc.:
//   POST /meta/{version}/{pixel}/events?access_token=..
//   POST /ga4/mp/collect?measurement_id=..&api_secret=..          (and /ga4/debug/mp/collect)
//   POST /google_ads/v1/events:ingest                              (Data Manager)
//   POST /google_ads/v{N}/customers/{id}:uploadClickConversions
//   POST /google_ads/token                                         (OAuth refresh-token grant)
//   POST /microsoft_ads/v1/{tagId}/events                          (UET Conversions API)
//   POST /microsoft_ads/CampaignManagement/v13/OfflineConversions/Apply
//   POST /microsoft_ads/token
//   POST /tiktok/open_api/v1.3/event/track/
// Requests are checked against each platform's documented required fields and answered in the platform's
// own success and error shapes. Control API (JSON):
//   POST   /_sandbox/faults   {"platform":"meta","mode":"status","status":503,"count":N|-1}  (see faults.h)
//   GET    /_sandbox/faults   DELETE /_sandbox/faults[?platform=meta]
//   GET    /_sandbox/stats[?event_ids=1]          {"meta":{"requests":N,"events":M,"rejected_requests":R,...},...}
//   GET    /_sandbox/events?platform=meta         {"event_ids":{"id1":1,...},"dropped_ids":0}
//   GET    /_sandbox/requests?platform=meta&last=N  the last N requests (credentials redacted)
//   POST   /_sandbox/reset                        counters, ids, requests, faults and tokens
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "sandbox/recorder.h"

namespace fanout::sandbox {

// The five platform names, which are also the path prefixes.
inline constexpr const char* kPlatformNames[] = {"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"};

struct SandboxOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free port
  size_t threads = 1;                  // HTTP io threads
  bool check_event_time = true;        // reject events outside a platform's window (Meta/MS CAPI 7 days, ...)
};

class Sandbox {
 public:
  // Starts serving on background threads. Errors: "bind_failed".
  static Result<std::unique_ptr<Sandbox>> start(SandboxOptions options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  uint16_t port() const;  // the bound port
  // "http://127.0.0.1:PORT/<platform>": the base_url to configure for that destination.
  std::string base_url(const std::string& platform) const;
  // Stops serving (requests in progress get up to 1 s). Idempotent; also done by the destructor.
  void stop();

  uint64_t requests(const std::string& platform) const;  // event-endpoint requests received (0 for unknown names)
  uint64_t events(const std::string& platform) const;    // events accepted
  PlatformStats stats(const std::string& platform) const;
  // How many times `platform` accepted an event with this id (platform dedup keys: docs/api.md, "Acknowledgement and idempotency").
  uint64_t event_id_count(const std::string& platform, const std::string& event_id) const;
  // The bodies of the last `n` requests to `platform`, oldest first.
  std::vector<std::string> last_bodies(const std::string& platform, size_t n) const;

  // Same as POST /_sandbox/faults with this JSON.
  Status add_fault(const std::string& json);
  void clear_faults();
  // Same as POST /_sandbox/reset.
  void reset();

  struct Impl;

 private:
  explicit Sandbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `fanout sandbox --listen host:port`: starts the sandbox, prints one JSON line with the port on stdout
// ({"msg":"sandbox_listening","port":N,"base_url":"http://127.0.0.1:N"}), runs until SIGTERM/SIGINT.
// Returns the process exit code.
int run_sandbox_cli(const std::string& listen);

}  // namespace fanout::sandbox
