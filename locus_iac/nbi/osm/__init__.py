"""ETSI OSM compatibility of the NBI: what OSM's own client (``osm``, osmclient) relies on.

* :mod:`.prefix` serves every path under ``/osm`` too, with OSM's meanings there;
* :mod:`.yaml_body` reads request bodies labelled ``application/yaml`` (OSM's client labels
  its JSON so);
* :mod:`.version` answers ``GET /version``;
* :mod:`.records` adds OSM's record members (``_admin``, ``name``, ``create-time``, ...) next
  to the SOL005 ones.
"""
