// Torture: lm-agent --daemon tails a log that a writer appends numbered lines to at a high
// rate while the real logrotate rotates it (alternately `create`, i.e. rename, and
// `copytruncate`), and the agent is killed with SIGKILL at random moments and restarted.
// Afterwards every written line number must have been accepted by the collector exactly
// once (after dedupe by batch identity).
//
// LM_TORTURE_KILLS sets the number of kills (default 20; `make torture` runs 100).
//
// copytruncate loses lines by design when the writer appends between logrotate's copy and
// its truncate (neither the copy nor the truncated file holds them); the writer therefore
// pauses while a copytruncate rotation runs, as an application does whose lines must not
// be lost. `create` rotations run while the writer keeps appending to the renamed file
// until it is told to reopen, as a postrotate hook does.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/accepted_logs.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

constexpr const char* kLinePrefix = "torture line ";

int KillsFromEnv() {
  const char* v = std::getenv("LM_TORTURE_KILLS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 20;
}

// Appends numbered lines; reopens the path when asked (after a rename rotation).
class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {}

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    thread_.join();
  }
  void RequestReopen() { reopen_ = true; }
  std::mutex& pause() { return pause_; }
  uint64_t written() const { return next_; }

 private:
  void Loop() {
    int fd = Open();
    std::mt19937_64 rng(42);
    while (!stop_) {
      {
        std::lock_guard lock(pause_);
        if (reopen_.exchange(false)) {
          ::close(fd);
          fd = Open();
        }
        std::string chunk;
        const int lines = 20 + static_cast<int>(rng() % 60);
        for (int i = 0; i < lines; ++i) {
          chunk += kLinePrefix + std::to_string(next_ + static_cast<uint64_t>(i));
          chunk += " " + std::string(rng() % 80, 'x') + "\n";
        }
        ASSERT_EQ(::write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
        next_ += static_cast<uint64_t>(lines);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::close(fd);
  }

  int Open() {
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0) << path_;
    return fd;
  }

  std::string path_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reopen_{false};
  std::mutex pause_;
  std::atomic<uint64_t> next_{0};
};

// Runs logrotate on the log every 300-900 ms, alternating create and copytruncate.
class Rotator {
 public:
  Rotator(const E2eEnv& env, std::string log, Writer* writer)
      : env_(env), log_(std::move(log)), writer_(writer) {
    for (const char* mode : {"create 0644", "copytruncate"}) {
      std::string conf = env_.Path(fmt::format("logrotate-{}.conf", confs_.size()));
      WriteText(conf, fmt::format("{} {{\n  rotate 1000\n  missingok\n  nocompress\n  {}\n}}\n",
                                  log_, mode));
      confs_.push_back(conf);
    }
  }

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    thread_.join();
  }
  int rotations() const { return rotations_; }

 private:
  void Loop() {
    std::mt19937 rng(7);
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 600));
      const bool copytruncate = rotations_ % 2 == 1;
      std::vector<std::string> argv = {"/usr/sbin/logrotate", "-f", "-s",
                                       env_.Path("logrotate.state"), confs_[copytruncate]};
      int rc;
      if (copytruncate) {
        std::lock_guard lock(writer_->pause());
        rc = RunToExit(argv, env_.Path("logrotate.log"));
      } else {
        rc = RunToExit(argv, env_.Path("logrotate.log"));
        writer_->RequestReopen();  // what a postrotate hook would signal
      }
      ASSERT_EQ(rc, 0) << "logrotate failed; see " << env_.Path("logrotate.log");
      ++rotations_;
    }
  }

  const E2eEnv& env_;
  std::string log_;
  Writer* writer_;
  std::vector<std::string> confs_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> rotations_{0};
};

struct Census {
  std::map<uint64_t, int> times_accepted;  // line number -> distinct batches carrying it
  uint64_t batches = 0;
};

// The accepted "app" lines by number (ReadAcceptedLogs counts each batch identity once).
Census ReadAccepted(const E2eEnv& env) {
  Census census;
  AcceptedLogs logs = ReadAcceptedLogs(env.Path("state/spool"));
  census.batches = logs.batches;
  for (const auto& [message, times] : logs.by_target["app"]) {
    if (!message.starts_with(kLinePrefix)) {
      ADD_FAILURE() << "unexpected record: " << message.substr(0, 120);
      continue;
    }
    census.times_accepted[std::stoull(message.substr(std::strlen(kLinePrefix)))] += times;
  }
  return census;
}

bool AllAccepted(const Census& c, uint64_t written) {
  if (c.times_accepted.size() < written) return false;
  return c.times_accepted.rbegin()->first + 1 >= written;
}

TEST(LogTortureTest, KillsAndRotationsLoseAndDuplicateNothing) {
  const int kills = KillsFromEnv();
  E2eEnv env;
  ASSERT_EQ(::mkdir(env.Path("logs").c_str(), 0755), 0);
  const std::string log = env.Path("logs/app.log");
  env.SetAgentExtra("interval_ms = 1000\nlog_interval_ms = 20\nlog_level = \"warn\"",
                    fmt::format("[limits]\nmax_logs_per_batch = 1000\n"
                                "[[log_inputs]]\nname = \"app\"\npath = \"{}\"\n",
                                log));
  env.StartCollector();

  Writer writer(log);
  Rotator rotator(env, log, &writer);
  writer.Start();
  rotator.Start();

  std::mt19937 rng(1234);
  auto start_agent = [&] {
    auto agent = std::make_unique<Process>();
    EXPECT_TRUE(agent->Start({env.Bin("lm-agent"), "--daemon", "--config", env.Path("agent.toml")},
                             env.Path("agent.log")));
    return agent;
  };
  for (int k = 0; k < kills; ++k) {
    auto agent = start_agent();
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 900));
    ASSERT_TRUE(agent->running());
    agent->Signal(SIGKILL);
    EXPECT_EQ(agent->Wait(), 128 + SIGKILL);
  }
  rotator.Stop();
  writer.Stop();
  const uint64_t written = writer.written();

  // Let one last agent catch up, then stop it the graceful way.
  auto agent = start_agent();
  Census census;
  // Sanitizer builds catch up slowly: wait while the census still grows (at most 30 s
  // without progress, 4 min in all).
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  size_t last_count = 0;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    census = ReadAccepted(env);
    const auto now = std::chrono::steady_clock::now();
    if (census.times_accepted.size() > last_count) {
      last_count = census.times_accepted.size();
      last_progress = now;
    }
    if (now - last_progress > std::chrono::seconds(30) || now - start > std::chrono::minutes(4)) {
      break;
    }
  } while (!AllAccepted(census, written));
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(), 0);
  env.StopCollector();
  census = ReadAccepted(env);

  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t first_lost = UINT64_MAX;
  for (uint64_t n = 0; n < written; ++n) {
    auto it = census.times_accepted.find(n);
    if (it == census.times_accepted.end()) {
      ++lost;
      first_lost = std::min(first_lost, n);
    } else if (it->second > 1) {
      duplicated += static_cast<uint64_t>(it->second - 1);
    }
  }
  uint64_t unknown = 0;
  for (const auto& [n, times] : census.times_accepted) unknown += n >= written ? 1 : 0;
  std::printf(
      "log torture: %d kills, %d rotations, %llu batches; lines written %llu / accepted %zu / "
      "lost %llu / duplicated %llu\n",
      kills, rotator.rotations(), static_cast<unsigned long long>(census.batches),
      static_cast<unsigned long long>(written), census.times_accepted.size(),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicated));
  EXPECT_GE(rotator.rotations(), kills / 2);
  if (lost > 0) {
    std::string missing;
    int shown = 0;
    for (uint64_t n = 0; n < written && shown < 40; ++n) {
      if (!census.times_accepted.count(n)) {
        missing += " " + std::to_string(n);
        ++shown;
      }
    }
    ADD_FAILURE() << "lost lines (first 40):" << missing << "\nstate in " << env.Path("");
  }
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(unknown, 0u);
}

}  // namespace
}  // namespace lm::testing
