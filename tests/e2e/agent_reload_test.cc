// lm-agent --daemon and its signals, end to end: SIGHUP reloads the config without losing
// or repeating a log line, a broken config on SIGHUP keeps the running one, SIGTERM exits 0.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/accepted_logs.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

// Waits until `done(accepted)` holds or 30 s pass; returns the last census.
template <typename Pred>
AcceptedLogs WaitAccepted(const E2eEnv& env, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  AcceptedLogs logs;
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    logs = ReadAcceptedLogs(env.Path("state/spool"));
  } while (!done(logs) && std::chrono::steady_clock::now() < deadline);
  return logs;
}

std::string Numbered(const std::string& prefix, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += fmt::format("{}{}\n", prefix, i);
  return out;
}

TEST(AgentReloadTest, SighupAppliesANewConfigAndKeepsLogPositions) {
  E2eEnv env;
  ASSERT_EQ(::mkdir(env.Path("logs").c_str(), 0755), 0);
  const std::string a = env.Path("logs/a.log");
  const std::string b = env.Path("logs/b.log");
  const std::string top = "interval_ms = 200\nlog_interval_ms = 20";
  const std::string input_a = fmt::format("[[log_inputs]]\nname = \"a\"\npath = \"{}\"\n", a);
  const std::string input_b = fmt::format("[[log_inputs]]\nname = \"b\"\npath = \"{}\"\n", b);
  env.SetAgentExtra(top, input_a);
  env.StartCollector();
  Append(a, Numbered("a", 1, 50));
  Append(b, Numbered("b", 1, 10));

  Process agent;
  ASSERT_TRUE(agent.Start({env.Bin("lm-agent"), "--daemon", "--config", env.Path("agent.toml")},
                          env.Path("agent.log")));
  AcceptedLogs logs =
      WaitAccepted(env, [](const AcceptedLogs& l) { return l.Distinct("a") == 50; });
  ASSERT_EQ(logs.Distinct("a"), 50u) << agent.Log();
  EXPECT_EQ(logs.Distinct("b"), 0u);

  // Reload with a second input: b is read from its start, a goes on where it was.
  env.SetAgentExtra(top, input_a + input_b);
  agent.Signal(SIGHUP);
  Append(a, Numbered("a", 51, 60));
  logs = WaitAccepted(
      env, [](const AcceptedLogs& l) { return l.Distinct("a") == 60 && l.Distinct("b") == 10; });
  EXPECT_EQ(logs.Distinct("a"), 60u) << agent.Log();
  EXPECT_EQ(logs.Distinct("b"), 10u) << agent.Log();
  ASSERT_TRUE(agent.running());

  // A broken config is refused and the running one goes on.
  WriteText(env.Path("agent.toml"), "agent_id = \"host-a\"\n[collector]\nurl = 7\n");
  agent.Signal(SIGHUP);
  Append(b, Numbered("b", 11, 20));
  logs = WaitAccepted(env, [](const AcceptedLogs& l) { return l.Distinct("b") == 20; });
  EXPECT_EQ(logs.Distinct("b"), 20u) << agent.Log();
  EXPECT_NE(agent.Log().find("reload refused"), std::string::npos) << agent.Log();

  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.Wait(), 0) << agent.Log();
  env.StopCollector();

  logs = ReadAcceptedLogs(env.Path("state/spool"));
  for (int i = 1; i <= 60; ++i) EXPECT_EQ(logs.Count("a", fmt::format("a{}", i)), 1) << i;
  for (int i = 1; i <= 20; ++i) EXPECT_EQ(logs.Count("b", fmt::format("b{}", i)), 1) << i;
}

TEST(AgentReloadTest, SigtermAndSigintExitCleanlyWithNothingLost) {
  for (int sig : {SIGTERM, SIGINT}) {
    E2eEnv env;
    const std::string a = env.Path("a.log");
    env.SetAgentExtra("interval_ms = 200\nlog_interval_ms = 20",
                      fmt::format("[[log_inputs]]\nname = \"a\"\npath = \"{}\"\n", a));
    env.StartCollector();
    Process agent;
    ASSERT_TRUE(agent.Start({env.Bin("lm-agent"), "--daemon", "--config", env.Path("agent.toml")},
                            env.Path("agent.log")));
    Append(a, Numbered("x", 1, 2000));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    agent.Signal(sig);
    EXPECT_EQ(agent.Wait(), 0) << agent.Log();
    // Whatever was read but not acknowledged is still queued: a new run delivers it.
    EXPECT_EQ(env.RunAgentOnce(), 0);
    env.StopCollector();
    AcceptedLogs logs = ReadAcceptedLogs(env.Path("state/spool"));
    EXPECT_EQ(logs.Distinct("a"), 2000u) << "signal " << sig;
    for (const auto& [message, n] : logs.by_target["a"]) EXPECT_EQ(n, 1) << message;
  }
}

}  // namespace
}  // namespace lm::testing
