DROP TABLE deadline_event_marks;
