#include "promql/evaluator.h"

#include <fmt/format.h>

namespace lm::promql::eval {

EvalResult Evaluator::Eval(const Expr& e, const Grid& g) {
  LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
  LM_ASSIGN_OR_RETURN(Val v, Dispatch(e, g));
  // Points of every materialised vector count against the sample limit while they live.
  if (auto* vec = std::get_if<VectorVal>(&v); vec != nullptr && !vec->lease.held()) {
    LM_ASSIGN_OR_RETURN(vec->lease, state_->Lease(vec->series));
  } else if (auto* mat = std::get_if<MatrixVal>(&v); mat != nullptr && !mat->lease.held()) {
    LM_ASSIGN_OR_RETURN(mat->lease, state_->Lease(mat->series));
  }
  return v;
}

int64_t Evaluator::ResolveAt(const AtModifier& at) const {
  switch (at.kind) {
    case AtModifier::Kind::kTimestamp:
      return at.timestamp_ms;
    case AtModifier::Kind::kStart:
      return params_.query_start;
    case AtModifier::Kind::kEnd:
      return params_.query_end;
    case AtModifier::Kind::kNone:
      break;
  }
  return 0;
}

Result<VectorVal, QueryError> Evaluator::EvalVector(const Expr& e, const Grid& g) {
  LM_ASSIGN_OR_RETURN(Val v, Eval(e, g));
  if (auto* vec = std::get_if<VectorVal>(&v)) return std::move(*vec);
  return QueryError{ErrorType::kInternal, "expected an instant vector"};
}

Result<ScalarVal, QueryError> Evaluator::EvalScalar(const Expr& e, const Grid& g) {
  LM_ASSIGN_OR_RETURN(Val v, Eval(e, g));
  if (auto* s = std::get_if<ScalarVal>(&v)) return std::move(*s);
  return QueryError{ErrorType::kInternal, "expected a scalar"};
}

Result<std::string, QueryError> Evaluator::EvalString(const Expr& e, const Grid& g) {
  LM_ASSIGN_OR_RETURN(Val v, Eval(e, g));
  if (auto* s = std::get_if<StringVal>(&v)) return std::move(s->s);
  return QueryError{ErrorType::kInternal, "expected a string"};
}

EvalResult Evaluator::Dispatch(const Expr& e, const Grid& g) {
  const size_t n = g.size();
  if (const auto* num = std::get_if<NumberLiteral>(&e.node)) {
    return Ok(ScalarVal{std::vector<double>(n, num->value)});
  }
  if (const auto* str = std::get_if<StringLiteral>(&e.node)) return Ok(StringVal{str->value});
  if (const auto* vs = std::get_if<VectorSelector>(&e.node)) {
    return EvalVectorSelector(*vs, g, false);
  }
  if (std::holds_alternative<MatrixSelector>(e.node) ||
      std::holds_alternative<SubqueryExpr>(e.node)) {
    return EvalRangeVectorValue(e, g);
  }
  if (const auto* p = std::get_if<ParenExpr>(&e.node)) return Eval(*p->expr, g);
  if (const auto* u = std::get_if<UnaryExpr>(&e.node)) {
    LM_ASSIGN_OR_RETURN(Val v, Eval(*u->expr, g));
    if (u->op == UnaryOp::kPlus) return v;
    if (auto* s = std::get_if<ScalarVal>(&v)) {
      for (double& x : s->v) x = -x;
      return v;
    }
    if (auto* vec = std::get_if<VectorVal>(&v)) {
      for (Series& s : vec->series) {
        for (Point& p : s.points) p.v = -p.v;
        s.drop_name = true;
      }
      return v;
    }
    return BadData("unary expression only allowed on expressions of type scalar or instant vector");
  }
  if (const auto* b = std::get_if<BinaryExpr>(&e.node)) return EvalBinary(*b, g);
  if (const auto* a = std::get_if<AggregateExpr>(&e.node)) return EvalAggregate(*a, g);
  if (const auto* c = std::get_if<Call>(&e.node)) return EvalCall(*c, g);
  return QueryError{ErrorType::kInternal, "unknown expression node"};
}

}  // namespace lm::promql::eval
