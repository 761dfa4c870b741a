"""The domain: models, enumerations, rules. No Flask imports here."""
