//! Data prep: matching SIS records to LMS records that already exist, before the first sync.
