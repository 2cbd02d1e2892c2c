#include "ConstantFold.h"

#include <cmath>
#include <vector>

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::fusor::constfold {
namespace {

// The elements of a constant, widened to double or int64.
struct Elements {
  bool isFloat = false;
  bool splat = false;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  RankedTensorType type;

  size_t size() const { return isFloat ? floats.size() : ints.size(); }
};

double toDouble(APFloat v) {
  bool losesInfo;
  v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
  return v.convertToDouble();
}

int64_t toInt(const APInt &v) {
  return v.getBitWidth() == 1 ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue();
}

std::optional<Elements> read(Attribute attr) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense) return std::nullopt;
  Elements e;
  e.type = cast<RankedTensorType>(dense.getType());
  e.splat = dense.isSplat();
  e.isFloat = isa<FloatType>(e.type.getElementType());
  if (!e.splat && dense.getNumElements() > kMaxFoldedElements) return std::nullopt;
  auto count = e.splat ? 1 : dense.getNumElements();
  if (e.isFloat) {
    auto values = dense.getValues<APFloat>();
    for (int64_t i = 0; i < count; ++i) e.floats.push_back(toDouble(values[i]));
  } else {
    auto values = dense.getValues<APInt>();
    for (int64_t i = 0; i < count; ++i) e.ints.push_back(toInt(values[i]));
  }
  return e;
}

// The result type if it is a static tensor small enough to fold into (or all inputs splat).
RankedTensorType foldableResult(Type type, bool allSplat) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape()) return nullptr;
  if (!allSplat && tensor.getNumElements() > kMaxFoldedElements) return nullptr;
  return tensor;
}

// Converts computed values to the result's element type; null if one does not fit.
Attribute write(RankedTensorType type, bool splat, const std::vector<double> &floats,
                const std::vector<int64_t> &ints, bool computedAsFloat) {
  RankedTensorType shaped = type;
  Type element = type.getElementType();
  size_t count = computedAsFloat ? floats.size() : ints.size();
  if (auto floatType = dyn_cast<FloatType>(element)) {
    std::vector<APFloat> out;
    for (size_t i = 0; i < count; ++i) {
      APFloat v(computedAsFloat ? floats[i] : static_cast<double>(ints[i]));
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
      out.push_back(v);
    }
    return splat ? DenseElementsAttr::get(shaped, out.front()) : DenseElementsAttr::get(shaped, out);
  }
  unsigned width = element.getIntOrFloatBitWidth();
  std::vector<APInt> out;
  for (size_t i = 0; i < count; ++i) {
    int64_t v;
    if (computedAsFloat) {
      double d = floats[i];
      if (width == 1) {
        v = d != 0.0;
      } else {
        if (std::isnan(d) || std::abs(d) >= 9.2e18) return nullptr;  // undefined in C++
        v = static_cast<int64_t>(std::trunc(d));
      }
    } else {
      v = width == 1 ? ints[i] != 0 : ints[i];
    }
    out.push_back(APInt(64, static_cast<uint64_t>(v), /*isSigned=*/true).sextOrTrunc(width));
  }
  return splat ? DenseElementsAttr::get(shaped, out.front()) : DenseElementsAttr::get(shaped, out);
}

// For each result element (row-major), the index of the operand element that broadcasts to it.
std::vector<size_t> broadcastIndex(ArrayRef<int64_t> result, ArrayRef<int64_t> operand) {
  size_t count = 1;
  for (int64_t e : result) count *= e;
  std::vector<size_t> index(count);
  size_t offset = result.size() - operand.size();
  std::vector<int64_t> coord(result.size(), 0);
  for (size_t linear = 0; linear < count; ++linear) {
    size_t at = 0;
    for (size_t d = 0; d < operand.size(); ++d)
      at = at * operand[d] + (operand[d] == 1 ? 0 : coord[offset + d]);
    index[linear] = at;
    for (size_t d = result.size(); d-- > 0;) {  // advance the row-major counter
      if (++coord[d] < result[d]) break;
      coord[d] = 0;
    }
  }
  return index;
}

// Result element i is operand element index(i); elements are moved, not converted.
Attribute rearrange(Attribute operand, Type resultType,
                    llvm::function_ref<std::vector<size_t>(RankedTensorType from,
                                                           RankedTensorType to)> index) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(operand);
  if (!dense) return nullptr;
  RankedTensorType type = foldableResult(resultType, dense.isSplat());
  if (!type) return nullptr;
  if (dense.isSplat()) return SplatElementsAttr::get(type, dense.getSplatValue<Attribute>());
  if (dense.getNumElements() > kMaxFoldedElements) return nullptr;
  auto values = dense.getValues<Attribute>();
  std::vector<Attribute> out;
  for (size_t i : index(cast<RankedTensorType>(dense.getType()), type)) out.push_back(values[i]);
  return DenseElementsAttr::get(type, out);
}

}  // namespace

Attribute broadcastTo(Attribute operand, Type resultType) {
  return rearrange(operand, resultType, [](RankedTensorType from, RankedTensorType to) {
    return broadcastIndex(to.getShape(), from.getShape());
  });
}

Attribute transpose(Attribute operand, ArrayRef<int64_t> perm, Type resultType) {
  return rearrange(operand, resultType, [&](RankedTensorType from, RankedTensorType to) {
    // Result dim i walks input dim perm[i], whose row-major stride is strides[perm[i]].
    std::vector<size_t> strides(from.getRank(), 1);
    for (int64_t d = from.getRank() - 1; d > 0; --d)
      strides[d - 1] = strides[d] * from.getDimSize(d);
    std::vector<size_t> index;
    std::vector<int64_t> coord(to.getRank(), 0);
    for (int64_t linear = 0; linear < to.getNumElements(); ++linear) {
      size_t at = 0;
      for (size_t i = 0; i < coord.size(); ++i) at += coord[i] * strides[perm[i]];
      index.push_back(at);
      for (size_t d = coord.size(); d-- > 0;) {
        if (++coord[d] < to.getDimSize(d)) break;
        coord[d] = 0;
      }
    }
    return index;
  });
}

Attribute map(Attribute operand, Type resultType, FloatFn onFloat, IntFn onInt) {
  std::optional<Elements> in = read(operand);
  if (!in || (in->isFloat ? !onFloat : !onInt)) return nullptr;
  RankedTensorType type = foldableResult(resultType, in->splat);
  if (!type) return nullptr;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  for (size_t i = 0; i < in->size(); ++i) {
    if (in->isFloat) {
      std::optional<double> v = onFloat(in->floats[i]);
      if (!v) return nullptr;
      floats.push_back(*v);
    } else {
      std::optional<int64_t> v = onInt(in->ints[i]);
      if (!v) return nullptr;
      ints.push_back(*v);
    }
  }
  return write(type, in->splat, floats, ints, in->isFloat);
}

Attribute zip(Attribute lhs, Attribute rhs, Type resultType, FloatFn2 onFloat, IntFn2 onInt) {
  std::optional<Elements> a = read(lhs), b = read(rhs);
  if (!a || !b || a->isFloat != b->isFloat || (a->isFloat ? !onFloat : !onInt)) return nullptr;
  bool splat = a->splat && b->splat;
  RankedTensorType type = foldableResult(resultType, splat);
  if (!type) return nullptr;
  std::vector<size_t> ia{0}, ib{0};
  if (!splat) {
    ia = a->splat ? std::vector<size_t>(type.getNumElements(), 0)
                  : broadcastIndex(type.getShape(), a->type.getShape());
    ib = b->splat ? std::vector<size_t>(type.getNumElements(), 0)
                  : broadcastIndex(type.getShape(), b->type.getShape());
  }
  std::vector<double> floats;
  std::vector<int64_t> ints;
  for (size_t i = 0; i < ia.size(); ++i) {
    if (a->isFloat) {
      std::optional<double> v = onFloat(a->floats[ia[i]], b->floats[ib[i]]);
      if (!v) return nullptr;
      floats.push_back(*v);
    } else {
      std::optional<int64_t> v = onInt(a->ints[ia[i]], b->ints[ib[i]]);
      if (!v) return nullptr;
      ints.push_back(*v);
    }
  }
  return write(type, splat, floats, ints, a->isFloat);
}

Attribute select(Attribute condition, Attribute onTrue, Attribute onFalse, Type resultType) {
  std::optional<Elements> c = read(condition), t = read(onTrue), f = read(onFalse);
  if (!c || !t || !f || t->isFloat != f->isFloat) return nullptr;
  bool splat = c->splat && t->splat && f->splat;
  RankedTensorType type = foldableResult(resultType, splat);
  if (!type) return nullptr;
  auto indexOf = [&](const Elements &e) {
    if (splat || e.splat) return std::vector<size_t>(splat ? 1 : type.getNumElements(), 0);
    return broadcastIndex(type.getShape(), e.type.getShape());
  };
  std::vector<size_t> ic = indexOf(*c), it = indexOf(*t), iff = indexOf(*f);
  std::vector<double> floats;
  std::vector<int64_t> ints;
  for (size_t i = 0; i < ic.size(); ++i) {
    bool pick = c->ints[ic[i]] != 0;
    if (t->isFloat)
      floats.push_back(pick ? t->floats[it[i]] : f->floats[iff[i]]);
    else
      ints.push_back(pick ? t->ints[it[i]] : f->ints[iff[i]]);
  }
  return write(type, splat, floats, ints, t->isFloat);
}

Attribute cast(Attribute operand, Type resultType) {
  std::optional<Elements> in = read(operand);
  if (!in) return nullptr;
  RankedTensorType type = foldableResult(resultType, in->splat);
  if (!type) return nullptr;
  return write(type, in->splat, in->floats, in->ints, in->isFloat);
}

bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat()) return false;
  if (isa<FloatType>(dense.getElementType()))
    return toDouble(dense.getSplatValue<APFloat>()) == value;
  return static_cast<double>(toInt(dense.getSplatValue<APInt>())) == value;
}

}  // namespace mlir::fusor::constfold
