DROP TABLE events;
DROP TABLE event_log_head;
