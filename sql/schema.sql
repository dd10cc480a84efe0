-- The workshop's `orders` database: what the simulator writes and CDC reads.
-- {{dc}} is replaced by the attendee's data-centre code (default dc01).
CREATE DATABASE IF NOT EXISTS orders CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE orders;

CREATE TABLE customers (
  id INT NOT NULL PRIMARY KEY,
  first_name VARCHAR(50),
  last_name VARCHAR(50),
  email VARCHAR(50),
  city VARCHAR(50),
  country VARCHAR(50)
) ENGINE=InnoDB;

CREATE TABLE suppliers (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(50),
  email VARCHAR(50),
  city VARCHAR(50),
  country VARCHAR(50)
) ENGINE=InnoDB;

CREATE TABLE products (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(50),
  description TEXT,
  price DECIMAL(10,2),
  cost DECIMAL(10,2)
) ENGINE=InnoDB;

CREATE TABLE sales_orders (
  id INT NOT NULL PRIMARY KEY,
  order_date DATETIME,
  customer_id INT,
  FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE sales_order_details (
  id INT NOT NULL PRIMARY KEY,
  sales_order_id INT,
  product_id INT,
  quantity INT,
  price DECIMAL(10,2),
  FOREIGN KEY (sales_order_id) REFERENCES sales_orders (id),
  FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

CREATE TABLE purchase_orders (
  id INT NOT NULL PRIMARY KEY,
  order_date DATETIME,
  supplier_id INT,
  FOREIGN KEY (supplier_id) REFERENCES suppliers (id)
) ENGINE=InnoDB;

CREATE TABLE purchase_order_details (
  id INT NOT NULL PRIMARY KEY,
  purchase_order_id INT,
  product_id INT,
  quantity INT,
  cost DECIMAL(10,2),
  FOREIGN KEY (purchase_order_id) REFERENCES purchase_orders (id),
  FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

-- No key, as in the workshop: one row each time a product hits its reorder point.
CREATE TABLE {{dc}}_out_of_stock_events (
  product_id INT,
  window_start_time VARCHAR(50),
  window_end_time VARCHAR(50),
  stock_level INT,
  demand_last_3mins INT,
  quantity_to_purchase INT
) ENGINE=InnoDB;
