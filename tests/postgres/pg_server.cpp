#include "postgres/pg_server.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fanout::pgtest {
namespace {

constexpr const char* kPassword = "pg-test-Secret-42";
constexpr int kStartWaitMs = 15000;  // a cold start on a busy 2-core machine takes a few seconds

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs argv (as uid/gid when root), output to `log`; returns the pid (wait == true: the exit code).
pid_t spawn(const std::vector<std::string>& args, uid_t uid, gid_t gid, const std::string& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "a");
    if (f) {
      ::dup2(fileno(f), STDOUT_FILENO);
      ::dup2(fileno(f), STDERR_FILENO);
    }
    ::setsid();
    if (::getuid() == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) _exit(126);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace

std::string PgServer::bin_dir() {
  if (const char* env = std::getenv("FANOUT_PG_BIN"); env && *env) return env;
  for (const char* v : {"17", "16", "15"}) {
    std::string dir = std::string("/usr/lib/postgresql/") + v + "/bin";
    if (std::filesystem::exists(dir + "/initdb") && std::filesystem::exists(dir + "/postgres")) return dir;
  }
  return "";
}

PgServer::PgServer() {
  bin_ = bin_dir();
  if (bin_.empty()) throw std::runtime_error("PostgreSQL binaries not found");
  char tmpl[] = "/tmp/fanout-pg-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  data_ = dir_ + "/data";
  if (::getuid() == 0) {
    passwd* pw = ::getpwnam("nobody");
    if (!pw) throw std::runtime_error("no user nobody to run PostgreSQL as");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    if (::chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown " + dir_);
  }
  const std::string pwfile = dir_ + "/pw";
  { std::ofstream(pwfile) << kPassword << "\n"; }
  if (::getuid() == 0 && ::chown(pwfile.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown pwfile");
  const std::string log = dir_ + "/initdb.log";
  pid_t pid = spawn({bin_ + "/initdb", "-D", data_, "-U", "fanout", "--pwfile=" + pwfile, "--auth=scram-sha-256",
                     "-E", "UTF8", "--no-sync", "--no-instructions"},
                    uid_, gid_, log);
  if (wait_exit(pid) != 0) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    throw std::runtime_error("initdb failed: " + text);
  }
  port_ = free_port();
  start();
}

PgServer::~PgServer() {
  stop();
  if (!std::getenv("FANOUT_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir_);
}

void PgServer::start() {
  // fsync off: a test server need not survive power loss, and the shared machine's disk is not what
  // is measured. Commits are still synchronous (synchronous_commit stays on).
  pid_ = spawn({bin_ + "/postgres", "-D", data_, "-p", std::to_string(port_), "-k", dir_, "-c",
                "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
                "max_connections=60", "-c", "shared_buffers=32MB"},
               uid_, gid_, dir_ + "/server.log");
  const std::string ping = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres connect_timeout=2";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartWaitMs);
  while (PQping(ping.c_str()) != PQPING_OK) {
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("PostgreSQL did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PgServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown: active transactions roll back, clients are disconnected
  wait_exit(pid_);
  pid_ = -1;
}

std::string PgServer::url_with_password(const std::string& password) const {
  return "postgresql://fanout:" + password + "@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PgServer::url() const { return url_with_password(kPassword); }

std::string PgServer::sql(const std::string& command) const {
  PGconn* c = PQconnectdb(url().c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error(why);
  }
  PGresult* r = PQexec(c, command.c_str());
  const auto status = PQresultStatus(r);
  std::string out;
  if (status == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
  std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(why);
  return out;
}

}  // namespace fanout::pgtest
