// A spool whose pages were overwritten is refused at open with one clear line naming the file, instead
// of starting, reporting ready and failing every delivery with "database disk image is malformed".
#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "spool/sqlite_spool.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::enqueue_sync;
using testing::make_event;
using testing::TempDir;

TEST(SpoolCorruption, OverwrittenPagesAreRefusedAtOpenWithOneLine) {
  TempDir dir;
  SqliteOptions o;
  o.path = dir.path() + "/spool.db";
  {
    auto spool = open_sqlite(o);
    ASSERT_TRUE(spool);
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<NewEvent> events;
      for (int i = 0; i < 200; ++i) events.push_back(make_event("e" + std::to_string(batch * 200 + i), 1000));
      ASSERT_TRUE(enqueue_sync(**spool, std::move(events)));
    }
    (*spool)->close();  // checkpoints the WAL into the file
  }
  const off_t size = std::filesystem::file_size(o.path);
  ASSERT_GT(size, 20 * 4096);
  // Random bytes over pages 3..(n-1): the header page and schema stay readable, the data does not.
  std::mt19937 random(42);
  int fd = ::open(o.path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string junk(4096, '\0');
  for (off_t page = 2; page * 4096 < size - 4096; page += 3) {
    for (char& c : junk) c = static_cast<char>(random());
    ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), page * 4096), 4096);
  }
  ::close(fd);

  auto reopened = open_sqlite(o);
  ASSERT_FALSE(reopened) << "a corrupted spool was opened";
  EXPECT_EQ(reopened.error().code, "corrupt_spool");
  EXPECT_NE(reopened.error().message.find("spool " + o.path + " is corrupt"), std::string::npos)
      << reopened.error().message;
  EXPECT_EQ(reopened.error().message.find('\n'), std::string::npos) << reopened.error().message;
}

TEST(SpoolCorruption, AHealthySpoolOpens) {
  TempDir dir;
  SqliteOptions o;
  o.path = dir.path() + "/spool.db";
  {
    auto spool = open_sqlite(o);
    ASSERT_TRUE(spool);
    ASSERT_TRUE(enqueue_sync(**spool, {make_event("e1", 1000)}));
  }
  EXPECT_TRUE(open_sqlite(o));
}

}  // namespace
}  // namespace fanout::spool
