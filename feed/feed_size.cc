#include "feed/feed_size.h"

#include <algorithm>

namespace feedd::feed {

std::vector<ItemForm> FitItems(uint64_t fixed, std::span<const ItemCost> items,
                               uint64_t max_bytes) {
  std::vector<ItemForm> forms(items.size(), ItemForm::kFull);
  uint64_t total = fixed;
  for (const ItemCost& c : items) total += c.full;
  // Oldest first: the newest items keep their content longest.
  for (size_t i = items.size(); i-- > 0 && total > max_bytes;) {
    total -= items[i].full - std::min(items[i].full, items[i].summary);
    forms[i] = ItemForm::kSummary;
  }
  for (size_t i = items.size(); i-- > 0 && total > max_bytes;) {
    total -= std::min(items[i].full, items[i].summary);
    forms[i] = ItemForm::kDropped;
  }
  return forms;
}

SizedFeed RenderWithin(const FeedRenderer& render, std::span<const Article* const> items,
                       uint64_t max_bytes) {
  SizedFeed out;
  out.body = render(items);
  if (out.body.size() <= max_bytes) return out;

  // Each item in each form, measured as a one-item document less the empty one.
  const uint64_t fixed = render({}).size();
  std::vector<Article> summaries;
  summaries.reserve(items.size());
  std::vector<ItemCost> costs;
  costs.reserve(items.size());
  for (const Article* a : items) {
    Article s = *a;
    s.content_html = std::string();  // frees it: up to `limit` of these are kept
    summaries.push_back(std::move(s));
    const Article* full[] = {a};
    const Article* summary[] = {&summaries.back()};
    const uint64_t full_size = render(full).size();
    const uint64_t summary_size = render(summary).size();
    costs.push_back({full_size - std::min(full_size, fixed),
                     summary_size - std::min(summary_size, fixed)});
  }
  // Separators between items (a comma in JSON) are not in the one-item sizes: when
  // the result is still over, fit again into what is left.
  uint64_t budget = max_bytes;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const std::vector<ItemForm> forms = FitItems(fixed, costs, budget);
    std::vector<const Article*> chosen;
    out.summarized = out.dropped = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (forms[i] == ItemForm::kFull) chosen.push_back(items[i]);
      if (forms[i] == ItemForm::kSummary) chosen.push_back(&summaries[i]), ++out.summarized;
      if (forms[i] == ItemForm::kDropped) ++out.dropped;
    }
    out.body = render(chosen);
    if (out.body.size() <= max_bytes || chosen.empty()) return out;
    budget -= std::min<uint64_t>(budget, out.body.size() - max_bytes);
  }
  out.summarized = 0;
  out.dropped = items.size();
  out.body = render({});
  return out;
}

std::string DescribeCut(const SizedFeed& feed, uint64_t max_bytes) {
  if (feed.summarized == 0 && feed.dropped == 0) return "";
  std::string s;
  if (feed.summarized > 0) {
    s = std::to_string(feed.summarized) +
        (feed.summarized == 1 ? " older item carries its" : " older items carry their") +
        " summary only";
  }
  if (feed.dropped > 0) {
    if (!s.empty()) s += " and ";
    s += std::to_string(feed.dropped) + (feed.dropped == 1 ? " is" : " are") + " left out";
  }
  return s + " to stay within " + std::to_string(max_bytes) + " bytes (limits.max_feed_size)";
}

}  // namespace feedd::feed
