"""Publishers: one per kind of destination, behind `postgen.publishers.base.Publisher`."""
