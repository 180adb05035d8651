#pragma once
// A throwaway PostgreSQL server for tests: Debian's postgresql-15 binaries, initdb into a temporary
// directory, listening on a free loopback port, removed at destruction. As root (CI) the server runs
// as `nobody` (PostgreSQL refuses to run as root). Nothing is mocked.
#include <sys/types.h>

#include <string>

namespace fanout::pgtest {

class PgServer {
 public:
  // The binaries' directory, or "" when PostgreSQL is not installed (the tests then skip).
  static std::string bin_dir();

  PgServer();  // initdb + start; throws std::runtime_error on failure
  ~PgServer();

  void stop();   // fast shutdown (SIGINT), waits for exit
  void start();  // same data directory and port
  // libpq URL with the password.
  std::string url() const;
  std::string url_with_password(const std::string& password) const;
  int port() const { return port_; }
  // Runs one SQL command as the superuser through libpq; throws on error. Returns the first value.
  std::string sql(const std::string& command) const;

 private:
  std::string dir_, data_, bin_;
  int port_ = 0;
  pid_t pid_ = -1;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

}  // namespace fanout::pgtest
