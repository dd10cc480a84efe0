-- Least-privilege users of the lab. The passwords are generated into the run
-- folder by ./lab and substituted for the placeholders; nothing is hard-coded.
CREATE OR REPLACE USER 'sim'@'127.0.0.1' IDENTIFIED BY '{{sim_password}}';
CREATE OR REPLACE USER 'sim'@'localhost' IDENTIFIED BY '{{sim_password}}';
GRANT SELECT, INSERT, UPDATE, DELETE ON orders.* TO 'sim'@'127.0.0.1';
GRANT SELECT, INSERT, UPDATE, DELETE ON orders.* TO 'sim'@'localhost';

CREATE OR REPLACE USER 'cdc'@'127.0.0.1' IDENTIFIED BY '{{cdc_password}}';
CREATE OR REPLACE USER 'cdc'@'localhost' IDENTIFIED BY '{{cdc_password}}';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'cdc'@'127.0.0.1';
GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO 'cdc'@'localhost';
