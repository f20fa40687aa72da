"""Classic rating predictors for stage ``fit_cf``, one module per model (or per family), each
declaring its class in ``CF_MODELS`` (``recexp.paradigms.cf_models._registry``).

Every model: ``fit(train, valid)`` on arrow tables with user_id, item_id, rating, and
``predict(table) -> float64 array`` clipped to the rating scale (``scale``, [1, 5] by default),
NaN where it has nothing to say (user_mean for a user unseen in train, item_mean for an unseen item).
Modules keep torch inside functions, so listing the models stays light."""

from recexp.paradigms.cf_models._registry import CF_MODELS

__all__ = ["CF_MODELS"]
