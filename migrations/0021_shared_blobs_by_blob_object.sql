-- `/v1/shared-blobs?blob_object_id=0x…` names the shared blob that wraps a Blob object (the
-- CLI asks it when an object it was given is no longer an object of its own), paged by
-- shared blob ID like the other filters of that list.
CREATE INDEX shared_blobs_by_blob_object ON shared_blobs (blob_object_id, shared_blob_id);
