"""Recommendation models, one module per family, all with the same small interface:
``fit(train, num_users, num_items)``, ``score(user_ids) -> (n, num_items)`` and
``recommend(user_id, k)``. Import the module you need, e.g.
``from rec_course.models import baselines``.
"""
