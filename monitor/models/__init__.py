"""Package data: the fitted clause category model (categories.json.gz), rebuilt by
scripts/train_category_model.py and read by monitor.category_model."""
