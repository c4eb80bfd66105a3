DROP TABLE employment_documents;
DROP TABLE document_blobs;
DROP TABLE invoice_versions;
DROP TABLE invoices;
