// Deterministic generator of realistic-looking log lines for tests and the benchmark:
// templates with words, hex ids, numbers, paths and IP addresses, mixed case, some UTF-8.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "protocol/batch.h"

namespace lm::store::logs::testing {

class LogGen {
 public:
  explicit LogGen(uint64_t seed, size_t vocabulary = 2000) : rng_(seed) {
    const char* syllables[] = {"ka", "lo", "mi", "ne", "ro", "su", "ta", "vi", "ze", "qu",
                               "an", "er", "is", "on", "ul", "ph", "st", "tr", "br", "ch"};
    for (size_t i = 0; i < vocabulary; ++i) {
      std::string w;
      const int n = 2 + static_cast<int>(rng_() % 3);
      for (int k = 0; k < n; ++k) w += syllables[rng_() % 20];
      words_.push_back(w);
    }
  }

  std::string Word() { return words_[Zipf()]; }
  std::string Hex(int n) {
    static const char kHex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kHex[rng_() % 16]);
    return s;
  }
  uint64_t Num(uint64_t n) { return rng_() % n; }

  std::string Message() {
    switch (rng_() % 10) {
      case 0:
        return "GET /api/v1/" + Word() + "/" + std::to_string(Num(100000)) + " " +
               (Num(10) == 0 ? "500" : "200") + " " + std::to_string(Num(900)) +
               "ms request_id=" + Hex(16);
      case 1:
        return "user " + Word() + " logged in from 10." + std::to_string(Num(256)) + "." +
               std::to_string(Num(256)) + "." + std::to_string(Num(256));
      case 2:
        return "connection reset by peer: 192.168." + std::to_string(Num(256)) + "." +
               std::to_string(Num(256)) + ":" + std::to_string(1024 + Num(60000));
      case 3:
        return "Failed to open /var/lib/" + Word() + "/" + Word() +
               ".db: Permission denied (errno=13)";
      case 4:
        return "cache miss for key session:" + Hex(8) + " (ttl=" + std::to_string(Num(3600)) + "s)";
      case 5:
        return "processed batch of " + std::to_string(Num(5000)) + " items in " +
               std::to_string(Num(2000)) + "ms from queue " + Word();
      case 6:
        return "payment " + Hex(12) +
               " declined: insufficient funds (amount=" + std::to_string(Num(1000)) + "." +
               std::to_string(10 + Num(90)) + " EUR)";
      case 7:
        return "Résumé upload for " + Word() + " ÉCHEC: taille " + std::to_string(Num(100)) +
               " Mo dépassée";
      case 8:
        return "WARN disk usage at " + std::to_string(Num(100)) + "% on /dev/sd" +
               static_cast<char>('a' + Num(4)) + " mounted at /srv/" + Word();
      default:
        return Word() + " " + Word() + " " + Word() + " " + Word() + " took " +
               std::to_string(Num(100)) + "." + std::to_string(Num(1000)) + "s";
    }
  }

  protocol::LogRecord Record(int64_t t) {
    protocol::LogRecord r;
    r.time_unix_nano = t;
    r.severity = static_cast<protocol::Severity>(Num(7));
    r.target = "app::" + words_[Num(8)];
    r.message = Message();
    if (Num(2) == 0) r.attributes.push_back({"service", words_[Num(5)]});
    if (Num(4) == 0) r.attributes.push_back({"region", Num(2) == 0 ? "eu" : "us"});
    return r;
  }

 private:
  size_t Zipf() {
    // Roughly Zipf-distributed word ranks: frequent words dominate, as in real logs.
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const double x = std::pow(static_cast<double>(words_.size()), u) - 1;
    return static_cast<size_t>(x) % words_.size();
  }

  std::mt19937_64 rng_;
  std::vector<std::string> words_;
};

}  // namespace lm::store::logs::testing
