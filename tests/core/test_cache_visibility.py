"""A cached API list that does not name a coarser visibility rule shares nothing between
readers: its default signature is the reader themself (core.cache.CachedListMixin)."""

from types import SimpleNamespace

from core.cache import CachedListMixin


def view_for(pk):
    view = CachedListMixin()
    view.request = SimpleNamespace(user=SimpleNamespace(pk=pk))
    return view


def test_default_visibility_is_the_reader_themself():
    assert view_for(1).cache_visibility() == view_for(1).cache_visibility()
    assert view_for(1).cache_visibility() != view_for(2).cache_visibility()
