"""Column contract shared by readers, processing, cache and evaluation.

Normalized interaction table (what every reader returns), one row per review:
    user_id: string, item_id: string, rating: float64 within ``dataset.rating_scale`` ([1, 5] by default),
    timestamp: int64 (seconds since epoch; null for a format without timestamps, e.g. exp3rt),
    review_title: string|null, review_text: string|null

Normalized item table (where the source has metadata), one row per item:
    item_id: string, title, description: string|null, categories: list<string>|null,
    brand: string|null, price: float64|null

Processed interaction table (``interactions.parquet``), sorted by (user, timestamp, read order);
a row's position in this table is its ``row``. It holds the normalized columns except the text
(user_id, item_id, rating, timestamp) and:
    review_row: int64, the row's index in the input (read order); its review_title and
        review_text are row ``review_row`` of the reviews table
    split: string in {train, valid, test}
    user_ctx_start, user_ctx_end: the user's last-K strictly earlier interactions are rows
        [user_ctx_start, user_ctx_end) of this table
    item_ctx_start, item_ctx_end: the item's last-K strictly earlier reviews are
        ``item_order[item_ctx_start:item_ctx_end]`` (item_order: rows sorted by item, timestamp)
    user_prior_n, user_prior_mean: count and mean rating of ALL strictly earlier
        interactions of the user (mean NaN when none); likewise item_prior_n, item_prior_mean

Reviews table (``reviews.arrow``, memory-mapped): review_title and review_text of every input row, in read
order and never reordered (text is most of the data; gathering it would copy it).
"""

USER = "user_id"
ITEM = "item_id"
RATING = "rating"
TIMESTAMP = "timestamp"
REVIEW_TITLE = "review_title"
REVIEW_TEXT = "review_text"
INTERACTION_COLUMNS = (USER, ITEM, RATING, TIMESTAMP, REVIEW_TITLE, REVIEW_TEXT)
REVIEW_COLUMNS = (REVIEW_TITLE, REVIEW_TEXT)

TITLE = "title"
DESCRIPTION = "description"
CATEGORIES = "categories"
BRAND = "brand"
PRICE = "price"
ITEM_COLUMNS = (ITEM, TITLE, DESCRIPTION, CATEGORIES, BRAND, PRICE)

ROW = "row"
REVIEW_ROW = "review_row"
SPLIT = "split"
SPLITS = ("train", "valid", "test")
USER_CTX_START, USER_CTX_END = "user_ctx_start", "user_ctx_end"
ITEM_CTX_START, ITEM_CTX_END = "item_ctx_start", "item_ctx_end"
USER_PRIOR_N, USER_PRIOR_MEAN = "user_prior_n", "user_prior_mean"
ITEM_PRIOR_N, ITEM_PRIOR_MEAN = "item_prior_n", "item_prior_mean"
CONTEXT_COLUMNS = (
    USER_CTX_START, USER_CTX_END, ITEM_CTX_START, ITEM_CTX_END,
    USER_PRIOR_N, USER_PRIOR_MEAN, ITEM_PRIOR_N, ITEM_PRIOR_MEAN,
)
